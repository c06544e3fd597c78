-- sql/05_companies_users.sql: the tenants (companies) and their users.
BEGIN;
SELECT plan(101);

-- The columns, as the specification and the package's contract define them. Written out
-- here rather than read from memtech.managed_column, so that the tests check the contract
-- instead of repeating it. default_value NULL: the column has no default.
CREATE TEMPORARY TABLE expected_column (
  ord           serial,
  table_name    name,
  column_name   name,
  data_type     text,
  not_null      boolean,
  default_value text
) ON COMMIT DROP;
INSERT INTO expected_column (table_name, column_name, data_type, not_null, default_value) VALUES
  ('companies', 'id',             'uuid',                     true,  'gen_random_uuid()'),
  ('companies', 'name',           'text',                     true,  NULL),
  ('companies', 'address',        'text',                     false, NULL),
  ('companies', 'city',           'text',                     false, NULL),
  ('companies', 'postal_code',    'text',                     false, NULL),
  ('companies', 'phone',          'text',                     false, NULL),
  ('companies', 'email',          'text',                     false, NULL),
  ('companies', 'logo_url',       'text',                     false, NULL),
  ('companies', 'certifications', 'text[]',                   true,  '{}'),
  ('companies', 'settings',       'jsonb',                    true,  '{}'),
  ('companies', 'created_at',     'timestamp with time zone', true,  'now()'),
  ('companies', 'updated_at',     'timestamp with time zone', true,  'now()'),
  ('users',     'id',             'uuid',                     true,  'gen_random_uuid()'),
  ('users',     'company_id',     'uuid',                     true,  NULL),
  ('users',     'email',          'text',                     true,  NULL),
  ('users',     'password_hash',  'text',                     false, NULL),
  ('users',     'full_name',      'text',                     true,  NULL),
  ('users',     'role',           'user_role',                true,  'user'),
  ('users',     'is_active',      'boolean',                  true,  'true'),
  ('users',     'created_at',     'timestamp with time zone', true,  'now()'),
  ('users',     'last_login',     'timestamp with time zone', false, NULL),
  ('users',     'updated_at',     'timestamp with time zone', true,  'now()');

-- ---------------------------------------------------------------------------------------
-- Structure
-- ---------------------------------------------------------------------------------------
SELECT has_table('public', 'companies', 'table companies exists');
SELECT has_table('public', 'users', 'table users exists');
SELECT columns_are('public', 'companies',
  ARRAY(SELECT column_name FROM expected_column WHERE table_name = 'companies'),
  'companies has exactly the columns of the specification, and updated_at');
SELECT columns_are('public', 'users',
  ARRAY(SELECT column_name FROM expected_column WHERE table_name = 'users'),
  'users has exactly the columns of the specification, and updated_at');

SELECT col_type_is('public', table_name, column_name, data_type,
                   format('%s.%s is %s', table_name, column_name, data_type))
  FROM expected_column ORDER BY ord;
SELECT CASE WHEN not_null
            THEN col_not_null('public', table_name, column_name, format('%s.%s is NOT NULL', table_name, column_name))
            ELSE col_is_null('public', table_name, column_name, format('%s.%s may be NULL', table_name, column_name)) END
  FROM expected_column ORDER BY ord;
SELECT CASE WHEN default_value IS NULL
            THEN col_hasnt_default('public', table_name, column_name,
                                   format('%s.%s has no default', table_name, column_name))
            ELSE col_default_is('public', table_name, column_name, default_value,
                                format('%s.%s defaults to %L', table_name, column_name, default_value)) END
  FROM expected_column ORDER BY ord;

-- Keys and constraints
SELECT col_is_pk('public', 'companies', 'id', 'companies.id is the primary key');
SELECT col_is_pk('public', 'users', 'id', 'users.id is the primary key');
SELECT fk_ok('public', 'users', 'company_id', 'public', 'companies', 'id',
  'users.company_id references companies.id');
SELECT set_eq(
  $$SELECT conname::text, contype::text, confdeltype::text FROM pg_constraint WHERE conrelid = 'public.companies'::regclass AND contype <> 'n'$$,
  $$VALUES ('companies_pkey', 'p', ' '), ('companies_name_not_blank', 'c', ' '),
           ('companies_email_format', 'c', ' '), ('companies_settings_is_object', 'c', ' ')$$,
  'companies has exactly its named constraints: primary key and three checks');
SELECT set_eq(
  $$SELECT conname::text, contype::text, confdeltype::text FROM pg_constraint WHERE conrelid = 'public.users'::regclass AND contype <> 'n'$$,
  $$VALUES ('users_pkey', 'p', ' '), ('users_company_id_fkey', 'f', 'c'), ('users_email_format', 'c', ' '),
           ('users_email_lower_case', 'c', ' '), ('users_full_name_not_blank', 'c', ' '),
           ('users_password_hash_is_a_hash', 'c', ' ')$$,
  'users has exactly its named constraints; its company key cascades on delete');

-- Indexes
SELECT indexes_are('public', 'companies', ARRAY['companies_pkey'], 'companies has only its primary key index');
SELECT indexes_are('public', 'users', ARRAY['users_pkey', 'idx_users_company', 'idx_users_email'],
  'users has exactly the indexes users_pkey, idx_users_company, idx_users_email');
SELECT has_index('public', 'users', 'idx_users_company', ARRAY['company_id'], 'idx_users_company is on users (company_id)');
SELECT has_index('public', 'users', 'idx_users_email', ARRAY['email'], 'idx_users_email is on users (email)');
SELECT index_is_unique('public', 'users', 'idx_users_email', 'idx_users_email is unique: ON CONFLICT (email) can use it');
SELECT is((SELECT indpred IS NULL FROM pg_index WHERE indexrelid = 'public.idx_users_email'::regclass), true,
  'idx_users_email covers every user (not partial)');

-- ---------------------------------------------------------------------------------------
-- Behaviour
-- ---------------------------------------------------------------------------------------
INSERT INTO public.companies (id, name, email) VALUES
  ('c0000000-0000-4000-8000-000000000001', 'Delorme Bâtiment', 'contact@delorme-batiment.fr'),
  ('c0000000-0000-4000-8000-000000000002', 'Maçonnerie Rivière', NULL),
  ('c0000000-0000-4000-8000-000000000003', 'Entreprise radiée', NULL);
INSERT INTO public.users (id, company_id, email, full_name, role) VALUES
  ('a0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001', 'marie.durand@delorme-batiment.fr', 'Marie Durand', 'admin'),
  ('a0000000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-000000000002', 'paul@riviere.fr', 'Paul Rivière', 'admin'),
  ('a0000000-0000-4000-8000-000000000003', 'c0000000-0000-4000-8000-000000000003', 'jean@radiee.fr', 'Jean Martin', 'admin'),
  ('a0000000-0000-4000-8000-000000000004', 'c0000000-0000-4000-8000-000000000003', 'lea@radiee.fr', 'Léa Petit', 'user');

-- companies
SELECT throws_ok(
  $$INSERT INTO public.companies (name) VALUES ('   ')$$,
  '23514', 'new row for relation "companies" violates check constraint "companies_name_not_blank"',
  'a company needs a name that is not blank');
SELECT throws_ok(
  $$INSERT INTO public.companies (name, email) VALUES ('Sans courriel', 'not-an-email')$$,
  '23514', 'new row for relation "companies" violates check constraint "companies_email_format"',
  'companies.email ''not-an-email'' is refused');
SELECT throws_ok(
  $$INSERT INTO public.companies (name, settings) VALUES ('Réglages', '["dark-mode"]')$$,
  '23514', 'new row for relation "companies" violates check constraint "companies_settings_is_object"',
  'companies.settings must be a JSON object');
SELECT results_eq(
  $$SELECT certifications, settings FROM public.companies WHERE id = 'c0000000-0000-4000-8000-000000000002'$$,
  $$VALUES ('{}'::text[], '{}'::jsonb)$$,
  'a company created with a name only has no certifications and empty settings');

-- users: e-mail
SELECT throws_ok(
  $$INSERT INTO public.users (company_id, email, full_name)
    VALUES ('c0000000-0000-4000-8000-000000000002', 'Marie.Durand@Delorme-Batiment.FR', 'Marie Durand bis')$$,
  '23505', 'duplicate key value violates unique constraint "idx_users_email"',
  'users.email is unique whatever its case, across companies');
SELECT results_eq(
  $$INSERT INTO public.users (company_id, email, full_name)
    VALUES ('c0000000-0000-4000-8000-000000000002', 'Paul.Riviere@Riviere.FR', 'Paul Rivière (bureau)')
    RETURNING email$$,
  $$VALUES ('paul.riviere@riviere.fr'::text)$$,
  'users.email is stored in lower case');
SELECT throws_ok(
  $$INSERT INTO public.users (company_id, email, full_name)
    VALUES ('c0000000-0000-4000-8000-000000000001', 'not-an-email', 'Sans Adresse')$$,
  '23514', 'new row for relation "users" violates check constraint "users_email_format"',
  'users.email ''not-an-email'' is refused');
SELECT throws_ok(
  $$INSERT INTO public.users (company_id, email, full_name)
    VALUES ('c0000000-0000-4000-8000-000000000001', 'marie durand@delorme-batiment.fr', 'Espace')$$,
  '23514', 'new row for relation "users" violates check constraint "users_email_format"',
  'users.email with a space in it is refused');
SELECT throws_ok(
  $$INSERT INTO public.users (company_id, email, full_name)
    VALUES ('c0000000-0000-4000-8000-000000000001', 'anonyme@delorme-batiment.fr', ' ')$$,
  '23514', 'new row for relation "users" violates check constraint "users_full_name_not_blank"',
  'a user needs a full name that is not blank');
SELECT throws_ok(
  $$INSERT INTO public.users (company_id, email, full_name, role)
    VALUES ('c0000000-0000-4000-8000-000000000001', 'chef@delorme-batiment.fr', 'Chef', 'owner')$$,
  '22P02', 'invalid input value for enum user_role: "owner"',
  'a role outside admin, user, viewer is refused');
SELECT throws_ok(
  $$INSERT INTO public.users (company_id, email, full_name)
    VALUES ('c0000000-0000-4000-8000-0000000000ff', 'perdu@nulle-part.fr', 'Perdu')$$,
  '23503', 'insert or update on table "users" violates foreign key constraint "users_company_id_fkey"',
  'a user must belong to an existing company');
SELECT results_eq(
  $$INSERT INTO public.users (company_id, email, full_name)
    VALUES ('c0000000-0000-4000-8000-000000000001', 'nouveau@delorme-batiment.fr', 'Nouveau Venu')
    RETURNING role, is_active, password_hash IS NULL, last_login IS NULL$$,
  $$VALUES ('user'::user_role, true, true, true)$$,
  'a new user is an active user, without password hash nor last login');

-- users: password_hash holds a real hash or nothing
SELECT lives_ok(
  $$UPDATE public.users SET password_hash = '$2b$12$eoD.LSYJkcmC0yt0lTqpXerqANo7Qam.Yy7Wi1a9Nju03UbFrs8jC'
     WHERE id = 'a0000000-0000-4000-8000-000000000001'$$,
  'users.password_hash accepts a bcrypt hash ($2b$12$ and 53 characters)');
SELECT lives_ok(
  $$UPDATE public.users
       SET password_hash = '$argon2id$v=19$m=65536,t=3,p=4$MIIRqgvgQbgj220jfp0MPA$YfwJSVjtjSU0zzV/P3S9nnQ/USre2wvJMjfCIjrTQbg'
     WHERE id = 'a0000000-0000-4000-8000-000000000001'$$,
  'users.password_hash accepts an argon2id hash');
SELECT lives_ok(
  $$UPDATE public.users
       SET password_hash = '$scrypt$ln=15,r=8,p=1$CtCX+L6rBJ2Ln/hCXI4cHg$liSUZe94mItFflMN1jFan8Pq0kJRI7nwL7eaHyjEtuc'
     WHERE id = 'a0000000-0000-4000-8000-000000000001'$$,
  'users.password_hash accepts a scrypt hash');
SELECT lives_ok(
  $$UPDATE public.users SET password_hash = NULL WHERE id = 'a0000000-0000-4000-8000-000000000001'$$,
  'users.password_hash may be NULL (a user who cannot sign in with a password)');
SELECT throws_ok(
  $$UPDATE public.users SET password_hash = 'hunter2' WHERE id = 'a0000000-0000-4000-8000-000000000001'$$,
  '23514', 'new row for relation "users" violates check constraint "users_password_hash_is_a_hash"',
  'users.password_hash refuses a plain-text password');
SELECT throws_ok(
  $$UPDATE public.users SET password_hash = '$2b$12$eoD.LSYJkcmC0yt0lTqpXerqANo7Qam.Yy7Wi1a9Nju03UbFrs8j'
     WHERE id = 'a0000000-0000-4000-8000-000000000001'$$,
  '23514', 'new row for relation "users" violates check constraint "users_password_hash_is_a_hash"',
  'users.password_hash refuses a truncated bcrypt hash');

-- Deleting a company deletes its users, and nobody else's.
DELETE FROM public.companies WHERE id = 'c0000000-0000-4000-8000-000000000003';
SELECT is_empty(
  $$SELECT id FROM public.users WHERE company_id = 'c0000000-0000-4000-8000-000000000003'$$,
  'deleting a company deletes its users');
SELECT results_eq(
  $$SELECT count(*)::int FROM public.users WHERE id IN ('a0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000002')$$,
  ARRAY[2],
  'deleting a company keeps the users of the other companies');

SELECT * FROM finish();
ROLLBACK;
