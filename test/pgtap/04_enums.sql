-- sql/04_enums.sql: the six enum types, with the specification's labels in its order
-- (sorting by a status or a role follows that order), and the application's section codes.
BEGIN;
SELECT plan(14);

SELECT enums_are('public',
  ARRAY['user_role', 'content_block_type', 'block_file_relationship', 'project_status',
        'generation_status', 'memoire_section_type'],
  'public has exactly the six enums of the package');

SELECT has_enum('public', 'user_role', 'enum user_role exists');
SELECT enum_has_labels('public', 'user_role', ARRAY['admin', 'user', 'viewer'],
  'user_role is admin, user, viewer, in that order');

SELECT has_enum('public', 'content_block_type', 'enum content_block_type exists');
SELECT enum_has_labels('public', 'content_block_type',
  ARRAY['company-profile', 'person-cv', 'equipment', 'procedure', 'certification',
        'methodology-template', 'past-project-reference'],
  'content_block_type has the seven kinds of the specification, in its order');

SELECT has_enum('public', 'block_file_relationship', 'enum block_file_relationship exists');
SELECT enum_has_labels('public', 'block_file_relationship',
  ARRAY['main-file', 'photo', 'certificate', 'datasheet'],
  'block_file_relationship is main-file, photo, certificate, datasheet, in that order');

SELECT has_enum('public', 'project_status', 'enum project_status exists');
SELECT enum_has_labels('public', 'project_status',
  ARRAY['draft', 'rc_analyzing', 'rc_analyzed', 'matching', 'matched', 'generating', 'generated',
        'reviewing', 'completed', 'submitted'],
  'project_status lists the ten workflow steps in workflow order');

SELECT has_enum('public', 'generation_status', 'enum generation_status exists');
SELECT enum_has_labels('public', 'generation_status',
  ARRAY['pending', 'in_progress', 'completed', 'failed'],
  'generation_status is pending, in_progress, completed, failed, in that order');

SELECT has_enum('public', 'memoire_section_type', 'enum memoire_section_type exists');
-- The v0 fixture's sections use seven codes (and one section none): those are the labels,
-- in the order of the default list they belong to (test_section_types.py covers the rest).
SELECT enum_has_labels('public', 'memoire_section_type',
  ARRAY['presentation', 'moyens_humains', 'methodologie', 'planning', 'qualite', 'securite', 'environnement'],
  'memoire_section_type holds the section codes the application wrote in sections.section_type');

-- The order is what ORDER BY follows.
SELECT results_eq(
  $$SELECT s FROM unnest(ARRAY['submitted', 'draft', 'matching', 'rc_analyzed']::project_status[]) s ORDER BY s$$,
  $$VALUES ('draft'::project_status), ('rc_analyzed'), ('matching'), ('submitted')$$,
  'projects sorted by status come in workflow order');

SELECT * FROM finish();
ROLLBACK;
