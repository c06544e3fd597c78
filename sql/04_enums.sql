-- The enum types: the specification's labels exactly, in its order (the order is what
-- sorting by a status or role follows).

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
  PERFORM pg_temp.memtech_ensure_enum('memoire_section_type', ARRAY[
    'company-presentation', 'human-resources', 'equipment', 'methodology', 'site-organization',
    'schedule', 'quality', 'health-safety', 'environment', 'references', 'subcontracting',
    'technical-variants', 'other']);
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
  'The usual sections of a mémoire technique: company-presentation (présentation de l''entreprise), human-resources (moyens humains, CV, organigramme), equipment (moyens matériels), methodology (méthodologie, modes opératoires), site-organization (installation et organisation de chantier, phasage), schedule (planning), quality (démarche qualité, PAQ), health-safety (hygiène et sécurité, PPSPS), environment (démarche environnementale, SOGED), references (références), subcontracting (sous-traitance), technical-variants (variantes), other.';
