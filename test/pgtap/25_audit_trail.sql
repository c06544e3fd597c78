-- The audit trail: one row per row touched, with who, from where and what; secrets
-- redacted; append-only.
BEGIN;
SELECT plan(14);

SELECT is_empty($$
  SELECT format('%s lacks its %s trigger', c.relname, op)
    FROM pg_class c CROSS JOIN unnest(ARRAY['insert', 'update', 'delete']) op
   WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
     AND c.relname IN (SELECT m.table_name FROM memtech.tenant_table m WHERE m.audited)
     AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = c.relname || '_audit_' || op
                       AND t.tgfoid = to_regprocedure(format('memtech.audit_%s()', c.relname)))
$$, 'every tenant table the manifest marks audited writes the trail of its inserts, updates and deletes');

INSERT INTO companies (id, name) VALUES ('c0000000-0000-4000-8000-000000000015', 'Traces BTP');
INSERT INTO users (id, company_id, email, full_name, role, password_hash) VALUES
  ('d0000000-0000-4000-8000-000000000015', 'c0000000-0000-4000-8000-000000000015', 'chef@traces.fr', 'Chef', 'admin',
   '$2b$12$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0');

SET LOCAL app.user_id = 'd0000000-0000-4000-8000-000000000015';
SET LOCAL request.headers = '{"x-forwarded-for": "198.51.100.66, 203.0.113.7", "user-agent": "Mozilla/5.0 (pgTAP)"}';
INSERT INTO content_blocks (id, type, title)
VALUES ('b0000000-0000-4000-8000-000000000015', 'equipment', 'Pelle 20 t');
UPDATE content_blocks SET title = 'Pelle sur chenilles 20 t' WHERE id = 'b0000000-0000-4000-8000-000000000015';
DELETE FROM content_blocks WHERE id = 'b0000000-0000-4000-8000-000000000015';

SELECT results_eq($$
  SELECT action, user_id, host(ip_address), user_agent, company_id FROM audit_log
   WHERE resource_type = 'content_blocks' AND resource_id = 'b0000000-0000-4000-8000-000000000015'
   ORDER BY array_position(ARRAY['insert', 'update', 'delete'], action)
$$, $$ VALUES
  ('insert', 'd0000000-0000-4000-8000-000000000015'::uuid, '203.0.113.7', 'Mozilla/5.0 (pgTAP)', 'c0000000-0000-4000-8000-000000000015'::uuid),
  ('update', 'd0000000-0000-4000-8000-000000000015'::uuid, '203.0.113.7', 'Mozilla/5.0 (pgTAP)', 'c0000000-0000-4000-8000-000000000015'::uuid),
  ('delete', 'd0000000-0000-4000-8000-000000000015'::uuid, '203.0.113.7', 'Mozilla/5.0 (pgTAP)', 'c0000000-0000-4000-8000-000000000015'::uuid)
$$, 'insert, update and delete each write one row with the actor, the client''s address and agent, and the company');

SELECT is((SELECT details FROM audit_log WHERE resource_id = 'b0000000-0000-4000-8000-000000000015' AND action = 'update'),
  '{"title": {"old": "Pelle 20 t", "new": "Pelle sur chenilles 20 t"}, "version": {"old": 1, "new": 2}}'::jsonb,
  'an update records only the columns that changed, old and new');
-- Saved as it was: no entry, no version. Of several rows, only those that changed.
INSERT INTO content_blocks (id, type, title) VALUES
  ('b0000000-0000-4000-8000-000000000016', 'equipment', 'Nacelle'), ('b0000000-0000-4000-8000-000000000017', 'equipment', 'Chargeuse');
UPDATE content_blocks SET title = 'Nacelle', content = content WHERE id = 'b0000000-0000-4000-8000-000000000016';
SELECT is_empty($$ SELECT id FROM audit_log WHERE resource_id = 'b0000000-0000-4000-8000-000000000016' AND action = 'update' $$,
  'an update that changes nothing (updated_at aside) writes no row');
UPDATE content_blocks SET title = 'Nacelle'
 WHERE id IN ('b0000000-0000-4000-8000-000000000016', 'b0000000-0000-4000-8000-000000000017');
SELECT results_eq($$ SELECT resource_id, details FROM audit_log WHERE action = 'update'
                      AND resource_id IN ('b0000000-0000-4000-8000-000000000016', 'b0000000-0000-4000-8000-000000000017') $$,
  $$ VALUES ('b0000000-0000-4000-8000-000000000017'::uuid,
             '{"title": {"old": "Chargeuse", "new": "Nacelle"}, "version": {"old": 1, "new": 2}}'::jsonb) $$,
  'an update of several rows writes a row for each row it changed, and none for the others');

SELECT is((SELECT details ->> 'title' FROM audit_log WHERE resource_id = 'b0000000-0000-4000-8000-000000000015' AND action = 'delete'),
  'Pelle sur chenilles 20 t', 'a delete records the row as it was');

UPDATE users SET password_hash = '$2b$12$zyxwvutsrqponmlkjihgfedcbaZYXWVUTSRQPONMLKJIHGFEDCBA9'
 WHERE id = 'd0000000-0000-4000-8000-000000000015';
SELECT is_empty($$ SELECT id FROM audit_log WHERE details::text LIKE '%$2b$12$%' $$,
  'no password hash reaches the trail');
SELECT is((SELECT details FROM audit_log WHERE resource_type = 'users' AND action = 'update'
            AND resource_id = 'd0000000-0000-4000-8000-000000000015'),
  '{"password_hash": {"old": "[redacted]", "new": "[redacted]"}}'::jsonb,
  'a changed secret is recorded as changed, its values redacted');

SET LOCAL request.headers = '{"x-forwarded-for": "not-an-address", "user-agent": "curl/8"}';
SELECT lives_ok($$ UPDATE companies SET phone = '04 72 00 00 00' WHERE id = 'c0000000-0000-4000-8000-000000000015' $$,
  'a malformed x-forwarded-for does not fail the write');
SELECT is((SELECT ip_address FROM audit_log WHERE resource_type = 'companies' AND action = 'update'
            AND resource_id = 'c0000000-0000-4000-8000-000000000015'), NULL::inet,
  'a malformed address is stored as NULL');

RESET request.headers;
SET LOCAL app.client_ip = '198.51.100.4';
SET LOCAL app.user_agent = 'backend/1.0';
INSERT INTO past_projects (id, name) VALUES ('a0000000-0000-4000-8000-000000000015', 'Gymnase de Bron');
SELECT results_eq($$ SELECT host(ip_address), user_agent FROM audit_log WHERE resource_id = 'a0000000-0000-4000-8000-000000000015' $$,
  $$ VALUES ('198.51.100.4', 'backend/1.0') $$, 'a backend without PostgREST gives the origin with app.client_ip and app.user_agent');

SELECT throws_ok($$ UPDATE audit_log SET action = 'rewritten' $$, '42501', NULL,
  'the trail cannot be rewritten, even by the owner');
SELECT throws_ok($$ DELETE FROM audit_log $$, '42501', NULL, 'the trail cannot be deleted, even by the owner');

RESET app.user_id;
DELETE FROM users WHERE id = 'd0000000-0000-4000-8000-000000000015';
SELECT ok((SELECT count(*) FROM audit_log WHERE resource_id = 'b0000000-0000-4000-8000-000000000015' AND user_id IS NULL) = 3,
  'deleting a user keeps their trail, with user_id set to NULL');

SELECT * FROM finish();
ROLLBACK;
