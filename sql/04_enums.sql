-- The enum types: the specification's labels exactly, in its order (the order is what
-- sorting by a status or role follows); memoire_section_type, whose labels the
-- specification leaves to the application, takes them from the application's data.

DO $$
BEGIN
  PERFORM pg_temp.memtech_ensure_enum('user_role', ARRAY['admin', 'user', 'viewer']);
  PERFORM pg_temp.memtech_ensure_enum('content_block_type', ARRAY[
    'company-profile', 'person-cv', 'equipment', 'procedure', 'certification',
    'methodology-template', 'past-project-reference']);
  PERFORM pg_temp.memtech_ensure_enum('block_file_relationship', ARRAY['main-file', 'photo', 'certificate', 'datasheet']);
  PERFORM pg_temp.memtech_ensure_enum('project_status', ARRAY[
    'draft', 'rc_analyzing', 'rc_analyzed', 'matching', 'matched', 'generating', 'generated',
    'reviewing', 'completed', 'submitted']);
  PERFORM pg_temp.memtech_ensure_enum('generation_status', ARRAY['pending', 'in_progress', 'completed', 'failed']);
END
$$;

-- The kinds of section are the application's codes, those it writes in the free-text v0
-- column sections.section_type (methodologie, moyens_humains, ...): section_templates and
-- generation_requests must accept the same. So the enum's labels are the distinct values
-- sections.section_type holds when the install runs, or, where it holds none (an empty
-- database), the default list below, in the application's own spelling. Known codes come
-- in the default list's order, others after them in byte order.
--
-- Reading them costs one scan of sections (a sequential scan and a hash of the distinct
-- values).
-- It runs here, before module 08 locks the v0 tables, so readers never wait for it; and in
-- a subtransaction given up at once, so that the install does not keep even the read lock
-- it took on sections while it waits for its locks later. A re-run reads them again and
-- adds the new ones at the end of the enum; labels the enum has beyond them (an earlier
-- version's English labels, one an operator added with ALTER TYPE ... ADD VALUE) are kept:
-- a label cannot be removed while rows may use it. Values that cannot be enum labels
-- (empty, or longer than 63 bytes) are left out, named in a NOTICE. A section written
-- between this read and the commit with a new code is picked up by the next run.
DO $$
DECLARE
  defaults text[] := ARRAY['presentation', 'moyens_humains', 'moyens_materiels', 'methodologie',
    'organisation_chantier', 'planning', 'qualite', 'securite', 'environnement', 'references',
    'sous_traitance', 'variantes', 'autre'];
  found text[];
  unusable text[];
BEGIN
  IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('public.sections') AND attname = 'section_type'
               AND NOT attisdropped) THEN
    BEGIN
      SELECT array_agg(t) INTO found
        FROM (SELECT DISTINCT section_type::text AS t FROM public.sections WHERE section_type IS NOT NULL) d;
      RAISE SQLSTATE 'MTREL';
    EXCEPTION
      WHEN SQLSTATE 'MTREL' THEN
        NULL;  -- found keeps the values; the lock on sections is given back with the subtransaction
      WHEN lock_not_available THEN
        RAISE EXCEPTION 'memtech could not read the section types of public.sections within %: another transaction holds it locked',
                        current_setting('lock_timeout')
          USING ERRCODE = 'lock_not_available',
                DETAIL = 'Held by: ' || pg_temp.memtech_describe_sessions(ARRAY(
                  SELECT l.pid FROM pg_locks l WHERE l.granted AND l.relation = 'public.sections'::regclass)),
                HINT = 'Nothing was changed. Wait for or end that transaction, or raise memtech.lock_timeout, and run the script again.';
    END;
    unusable := ARRAY(SELECT t FROM unnest(found) t WHERE t = '' OR octet_length(t) > 63 ORDER BY t COLLATE "C");
    found := ARRAY(SELECT t FROM unnest(found) t WHERE t <> '' AND octet_length(t) <= 63);
    IF cardinality(unusable) > 0 THEN
      PERFORM pg_temp.memtech_notice('leaving out of enum public.memoire_section_type the section types that cannot be labels '
        '(empty, or longer than 63 bytes): %s', array_to_string(ARRAY(SELECT quote_literal(u) FROM unnest(unusable) u), ', '));
    END IF;
  END IF;
  IF coalesce(cardinality(found), 0) = 0 THEN
    found := defaults;
  END IF;
  PERFORM pg_temp.memtech_ensure_enum('memoire_section_type',
    ARRAY(SELECT t FROM unnest(found) t ORDER BY array_position(defaults, t) NULLS LAST, t COLLATE "C"), open => true);
END
$$;

COMMENT ON TYPE public.user_role IS
  'What a user may do in its company: admin also manages users and the company profile and reads the audit log; user edits the working data; viewer only reads.';
COMMENT ON TYPE public.content_block_type IS
  'Kinds of reusable content in a company''s library; metadata holds the fields proper to each kind. content_blocks.type holds these labels as text, checked against this type.';
COMMENT ON TYPE public.block_file_relationship IS
  'What a file is to a content block: its main document, a photo, a certificate, or a datasheet.';
COMMENT ON TYPE public.project_status IS
  'Where a tender stands in the workflow, in order: RC analysis, matching, generation, review, submission. projects.status holds these labels as text, checked against this type; cast to it to sort in this order.';
COMMENT ON TYPE public.generation_status IS
  'Life of an AI generation request; completed requests carry content, failed ones an error message.';
COMMENT ON TYPE public.memoire_section_type IS
  'Kinds of section of a mémoire technique, as the application codes them in sections.section_type; section_templates and generation_requests hold these labels. The install takes them from the values sections.section_type holds (a re-run adds new ones), or on a database without any, the default list: presentation (présentation de l''entreprise), moyens_humains (moyens humains, CV, organigramme), moyens_materiels (moyens matériels), methodologie (méthodologie, modes opératoires), organisation_chantier (installation et organisation de chantier, phasage), planning, qualite (démarche qualité, PAQ), securite (hygiène et sécurité, PPSPS), environnement (démarche environnementale, SOGED), references (références), sous_traitance (sous-traitance), variantes, autre. Add one with ALTER TYPE public.memoire_section_type ADD VALUE ''...''.';
