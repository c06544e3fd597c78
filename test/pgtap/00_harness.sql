-- Sanity check of the test harness itself: pgTAP is there and pg_prove reads its output.
BEGIN;
SELECT plan(1);
SELECT has_extension('pgtap');
SELECT * FROM finish();
ROLLBACK;
