-- Development seed data of memtech: three construction companies with their users, content
-- library, references, templates, one tender each carried through the workflow (RC analysis,
-- matching, AI generation, review) and past mémoires cut into chunks.
--
-- Apply after the install (`make install`, then `make seed`). Plain SQL, no psql
-- meta-commands, one transaction. Idempotent: every row has a fixed id and every insert is
-- ON CONFLICT DO NOTHING, so a second run adds nothing (and changes nothing). It does not
-- touch any other row, so it may also be applied on top of a database holding v0 data.
--
-- Run it as the database owner (a superuser or a role with BYPASSRLS): company_id is given
-- explicitly on every row, so the data stays right once row level security is enabled.
-- The package's own triggers still run: content_blocks.version starts at 1 whatever is
-- sent (so the seed sends none), and where the audit trail is installed the first run
-- also writes an 'insert' entry per seeded row (the second run inserts nothing, so it
-- writes none). The audit_log rows below are application events (sign-ins, status
-- changes) as the application would record them.
--
-- Fixed ids: 5eedTTTT-000C-4000-8000-0000000000NN (all valid version-4 uuids), where
--   C  = company: 1 Bâtiments Rhône-Alpes Construction, 2 Menuiseries Durand & Fils,
--        3 Énergie Bâtiment Sud;
--   NN = sequence within the company;
--   TTTT = table:
--     0001 companies      0002 users            0003 content_blocks   0004 files
--     0005 past_projects  0006 section_templates 0007 projects        0008 rc_analysis
--     0009 content_matches 000a generation_requests 000b sections    000c memoires
--     000d document_chunks 000e audit_log
--
-- Dev sign-in: every user's password is  demo-memtech  (each password_hash below is a real
-- bcrypt hash of it, cost 12, each with its own salt). The users ...-0000000000 05 of each
-- company are deactivated.
--
-- Every row of a company references only that company's rows: its users (created_by,
-- uploaded_by, reviewer_id, user_id), its content blocks (matched_blocks, source_blocks,
-- block_files) and its project.

SET client_encoding = 'UTF8';

BEGIN;

DO $seed$
BEGIN
  IF to_regclass('memtech.installation') IS NULL THEN
    RAISE EXCEPTION 'memtech is not installed in this database: there is nothing to seed'
      USING HINT = 'Run `make install` first, then `make seed`.';
  END IF;
END
$seed$;

-- ---------------------------------------------------------------------------
-- companies
-- ---------------------------------------------------------------------------
INSERT INTO public.companies (id, name, address, city, postal_code, phone, email, logo_url, certifications, settings, created_at) VALUES
('5eed0001-0001-4000-8000-000000000001',
 'Bâtiments Rhône-Alpes Construction',
 '27 avenue Tony Garnier', 'Lyon', '69007', '+33 4 78 61 32 40', 'appels-offres@brac-construction.fr',
 's3://memtech-dev/companies/brac/logo.png',
 '{"Qualibat 2112","Qualibat 2113","ISO 9001:2015","ISO 45001:2018","MASE"}',
 '{"locale": "fr-FR", "timezone": "Europe/Paris", "siret": "51234567800024", "code_naf": "4120B",
   "effectif": 185, "ca_annuel_eur": 42500000,
   "metiers": ["gros œuvre", "maçonnerie", "béton armé", "démolition"],
   "zones_intervention": ["Rhône", "Isère", "Ain", "Loire"],
   "memoire": {"police": "Arial", "taille_police": 11, "couleur_principale": "#1F4E79", "pages_max_defaut": 40, "page_de_garde": true},
   "generation": {"modele_prefere": "claude-3-5-sonnet-20241022", "ton": "formel", "langue": "fr"},
   "notifications": {"email_echeance_jours": [7, 2], "resume_hebdomadaire": true}}',
 '2024-09-02 09:15:00+02'),
('5eed0001-0002-4000-8000-000000000001',
 'Menuiseries Durand & Fils',
 '7 rue de la Garde', 'Nantes', '44300', '+33 2 40 49 18 73', 'contact@menuiseries-durand.fr',
 's3://memtech-dev/companies/durand/logo.png',
 '{"Qualibat 2312","Qualibat 3512","RGE Qualibat","PEFC – chaîne de contrôle","ISO 9001:2015"}',
 '{"locale": "fr-FR", "timezone": "Europe/Paris", "siret": "38765432100017", "code_naf": "4332A",
   "effectif": 46, "ca_annuel_eur": 7800000,
   "metiers": ["menuiserie extérieure", "menuiserie intérieure", "charpente bois", "ossature bois"],
   "zones_intervention": ["Loire-Atlantique", "Vendée", "Maine-et-Loire", "Morbihan"],
   "memoire": {"police": "Calibri", "taille_police": 11, "couleur_principale": "#7A4E2D", "pages_max_defaut": 25, "page_de_garde": true},
   "generation": {"modele_prefere": "gpt-4o-2024-08-06", "ton": "direct", "langue": "fr"},
   "notifications": {"email_echeance_jours": [5], "resume_hebdomadaire": false}}',
 '2024-10-14 11:40:00+02'),
('5eed0001-0003-4000-8000-000000000001',
 'Énergie Bâtiment Sud',
 '145 boulevard de Sainte-Marguerite', 'Marseille', '13009', '+33 4 91 75 22 60', 'ao@energie-batiment-sud.fr',
 NULL,
 '{"Qualibat 5312","Qualibat 5413","RGE QualiPAC","MASE","ISO 14001:2015","Attestation de capacité fluides frigorigènes – catégorie I"}',
 '{"locale": "fr-FR", "timezone": "Europe/Paris", "siret": "79912345600031", "code_naf": "4322B",
   "effectif": 72, "ca_annuel_eur": 14200000,
   "metiers": ["chauffage", "ventilation", "climatisation", "plomberie sanitaire", "GTB"],
   "zones_intervention": ["Bouches-du-Rhône", "Var", "Vaucluse"],
   "memoire": {"police": "Arial", "taille_police": 10, "couleur_principale": "#C0392B", "pages_max_defaut": 35, "page_de_garde": false},
   "generation": {"modele_prefere": "claude-3-5-sonnet-20241022", "ton": "technique", "langue": "fr"},
   "notifications": {"email_echeance_jours": [10, 3, 1], "resume_hebdomadaire": true}}',
 '2024-11-05 15:20:00+01')
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- users: an admin, two users, a viewer and a deactivated user in each company.
-- password_hash: bcrypt ($2b$, cost 12) of the dev password 'demo-memtech'.
-- ---------------------------------------------------------------------------
INSERT INTO public.users (id, company_id, email, password_hash, full_name, role, is_active, created_at, last_login) VALUES
-- Bâtiments Rhône-Alpes Construction
('5eed0002-0001-4000-8000-000000000001', '5eed0001-0001-4000-8000-000000000001', 'claire.vasseur@brac-construction.fr',
 '$2b$12$u8oBkzDg/vdB0X/ht79EIOh5byHgdCRQLFOkVSGxoGAGPju8iB2Dm', 'Claire Vasseur', 'admin', true,
 '2024-09-02 09:16:00+02', '2025-03-10 08:42:17+01'),
('5eed0002-0001-4000-8000-000000000002', '5eed0001-0001-4000-8000-000000000001', 'jean-marc.perrin@brac-construction.fr',
 '$2b$12$/Hl7Aoyr58OF5.IJygeh9OHLHhj8.Ch0x7Jk6vbnnEdK.wKZ8nBGy', 'Jean-Marc Perrin', 'user', true,
 '2024-09-03 10:02:00+02', '2025-03-07 17:55:02+01'),
('5eed0002-0001-4000-8000-000000000003', '5eed0001-0001-4000-8000-000000000001', 'sofiane.benali@brac-construction.fr',
 '$2b$12$z7qXfI2QffjL.qESicS8X.jbcAbrloEQI8Iu5yz9ws8qEL5FixqRy', 'Sofiane Benali', 'user', true,
 '2024-09-03 10:05:00+02', '2025-03-10 14:21:40+01'),
('5eed0002-0001-4000-8000-000000000004', '5eed0001-0001-4000-8000-000000000001', 'helene.moreau@brac-construction.fr',
 '$2b$12$Qd9G64ZUV0qu2.8SCa6qV.4AtHIWT21TBXKi4qazOfKyeqp0lHElu', 'Hélène Moreau', 'viewer', true,
 '2024-09-10 08:30:00+02', '2025-02-28 19:03:11+01'),
('5eed0002-0001-4000-8000-000000000005', '5eed0001-0001-4000-8000-000000000001', 'thomas.giraud@brac-construction.fr',
 '$2b$12$TGepzRlfKQFXLFJd5rsK9uzwuKH06r.UUSuX0hm5G/Z57RRDqx8JS', 'Thomas Giraud', 'user', false,
 '2024-09-03 10:07:00+02', '2024-12-13 16:48:55+01'),
-- Menuiseries Durand & Fils
('5eed0002-0002-4000-8000-000000000001', '5eed0001-0002-4000-8000-000000000001', 'philippe.durand@menuiseries-durand.fr',
 '$2b$12$1eRo7mmfr.qCsBYIQz9NQO3tZ5V77xwmcooIkAXXGXXsirfMotMt6', 'Philippe Durand', 'admin', true,
 '2024-10-14 11:41:00+02', '2025-02-03 07:58:30+01'),
('5eed0002-0002-4000-8000-000000000002', '5eed0001-0002-4000-8000-000000000001', 'antoine.durand@menuiseries-durand.fr',
 '$2b$12$fQqyGZQajR2f.B9Swh0zV.E3rIR2scM//PpYZJZGkUBbazOOY6pvS', 'Antoine Durand', 'user', true,
 '2024-10-14 11:50:00+02', '2025-01-30 22:14:09+01'),
('5eed0002-0002-4000-8000-000000000003', '5eed0001-0002-4000-8000-000000000001', 'emilie.legoff@menuiseries-durand.fr',
 '$2b$12$TVUmv.dt2N71j3zLXYiui.fuumVVtFcwhqKbldCR4/TcX9D7Usozi', 'Émilie Le Goff', 'user', true,
 '2024-10-15 09:12:00+02', '2025-01-31 10:47:52+01'),
('5eed0002-0002-4000-8000-000000000004', '5eed0001-0002-4000-8000-000000000001', 'yann.kerbrat@menuiseries-durand.fr',
 '$2b$12$m/VLXcemrbYJWoczb4pVQ.5UHvN2Gi8c4jlYAyttfkPUkJsKfMFiK', 'Yann Kerbrat', 'viewer', true,
 '2024-11-04 14:00:00+01', NULL),
('5eed0002-0002-4000-8000-000000000005', '5eed0001-0002-4000-8000-000000000001', 'marine.guerin@menuiseries-durand.fr',
 '$2b$12$pcyEofV4WwzGeXF4WmX94eog3fM79NfyjWw5eNY0Yb3.hs.DwWN8u', 'Marine Guérin', 'user', false,
 '2024-10-15 09:15:00+02', '2024-11-29 12:05:44+01'),
-- Énergie Bâtiment Sud
('5eed0002-0003-4000-8000-000000000001', '5eed0001-0003-4000-8000-000000000001', 'karim.haddad@energie-batiment-sud.fr',
 '$2b$12$6A4MgCLKwGl6Xbma95lZMul4lVc5xPCzita7SMtzXZrD/BtzPzWtm', 'Karim Haddad', 'admin', true,
 '2024-11-05 15:21:00+01', '2025-04-02 09:12:26+02'),
('5eed0002-0003-4000-8000-000000000002', '5eed0001-0003-4000-8000-000000000001', 'laure.fabre@energie-batiment-sud.fr',
 '$2b$12$3JZNvFAHQfbWZubb009PQORmBGWLYGekVkIl9L82xjtigfSVR8flG', 'Laure Fabre', 'user', true,
 '2024-11-05 15:30:00+01', '2025-04-02 11:31:40+02'),
('5eed0002-0003-4000-8000-000000000003', '5eed0001-0003-4000-8000-000000000001', 'nicolas.roux@energie-batiment-sud.fr',
 '$2b$12$8zDhj1GGY3JqVvvRZScm1.jNc6Tb9XriLBijGQxAveGRyyRw.0uyi', 'Nicolas Roux', 'user', true,
 '2024-11-06 08:45:00+01', '2025-03-28 18:20:47+01'),
('5eed0002-0003-4000-8000-000000000004', '5eed0001-0003-4000-8000-000000000001', 'sandrine.martinez@energie-batiment-sud.fr',
 '$2b$12$SkmLahvfPdy2t92B5Xixcu2g1nY1pfoo.9QQAoxdM4S8Nj.b9zrXq', 'Sandrine Martinez', 'viewer', true,
 '2024-11-12 10:00:00+01', '2025-03-31 08:05:19+02'),
('5eed0002-0003-4000-8000-000000000005', '5eed0001-0003-4000-8000-000000000001', 'olivier.blanc@energie-batiment-sud.fr',
 '$2b$12$P3uf6xiU0q42Fl..K93/5OH2b98tI0MsV6ULY6RlUSeLpV5HCs5iy', 'Olivier Blanc', 'user', false,
 '2024-11-06 08:50:00+01', '2025-01-17 17:32:08+01')
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- content_blocks: every type in each company; block 11 of each company is retired
-- (is_active false, written by the user since deactivated).
-- ---------------------------------------------------------------------------
INSERT INTO public.content_blocks (id, company_id, type, title, content, metadata, tags, is_active, created_at, updated_at, created_by) VALUES
-- Bâtiments Rhône-Alpes Construction
('5eed0003-0001-4000-8000-000000000001', '5eed0001-0001-4000-8000-000000000001', 'company-profile',
 'Présentation de Bâtiments Rhône-Alpes Construction',
 'Fondée en 1994 à Lyon, Bâtiments Rhône-Alpes Construction (BRAC) est une entreprise de gros œuvre de 185 salariés, dont 130 compagnons, pour un chiffre d''affaires de 42,5 M€ en 2023. Nous réalisons chaque année une vingtaine d''opérations en lots séparés ou en entreprise générale : établissements scolaires, logements collectifs, équipements sportifs et bâtiments de santé.
Notre bureau d''études intégré (6 ingénieurs et projeteurs) établit les plans d''exécution, les méthodes et les calepinages de coffrage. Nos équipes sont certifiées Qualibat 2112 et 2113, ISO 9001, ISO 45001 et MASE.',
 '{"annee_creation": 1994, "effectif": 185, "compagnons": 130, "ca_2023_eur": 42500000, "siege": "Lyon 7e", "bureau_etudes_integre": true, "zones_intervention": ["Rhône", "Isère", "Ain", "Loire"]}',
 '{"présentation","gros œuvre","entreprise générale","chiffres clés"}', true,
 '2024-09-04 09:00:00+02', '2025-01-20 11:15:00+01', '5eed0002-0001-4000-8000-000000000001'),
('5eed0003-0001-4000-8000-000000000002', '5eed0001-0001-4000-8000-000000000001', 'person-cv',
 'Jean-Marc Perrin – Conducteur de travaux principal',
 'Jean-Marc Perrin a rejoint BRAC en 2010 après cinq ans comme chef de chantier dans une entreprise générale grenobloise. Il a conduit douze opérations de gros œuvre de 1 à 6 M€, dont quatre groupes scolaires et deux EHPAD, en site occupé pour la moitié d''entre elles. Il pilote la préparation de chantier, les méthodes de coffrage et la coordination avec les corps d''état secondaires.',
 '{"role": "Conducteur de travaux principal", "years_experience": 15, "anciennete_entreprise": 2010, "diplomas": ["BTS Bâtiment", "Licence professionnelle Conduite de travaux en bâtiment (IUT Lyon 1)"], "habilitations": ["SST", "AIPR encadrant", "CACES R482 catégorie B1"], "langues": ["français", "anglais technique"], "references": ["Groupe scolaire Simone Veil, Villeurbanne", "EHPAD Les Glycines, Vienne"]}',
 '{"cv","conducteur de travaux","établissements scolaires","site occupé"}', true,
 '2024-09-05 14:30:00+02', '2024-12-02 10:05:00+01', '5eed0002-0001-4000-8000-000000000003'),
('5eed0003-0001-4000-8000-000000000003', '5eed0001-0001-4000-8000-000000000001', 'person-cv',
 'Nadia Rahmani – Cheffe de chantier gros œuvre',
 'Nadia Rahmani encadre des équipes de 8 à 15 compagnons sur des chantiers de logements collectifs et d''équipements publics. Spécialiste des voiles banchés et des planchers prédalles, elle tient le cycle d''étage et assure l''accueil sécurité de chaque nouvel arrivant. Elle est référente béton bas carbone de l''entreprise depuis 2022.',
 '{"role": "Cheffe de chantier gros œuvre", "years_experience": 12, "diplomas": ["BP Maçon", "Titre professionnel Chef de chantier gros œuvre (AFPA)"], "habilitations": ["SST", "AIPR opérateur", "Habilitation électrique B0/H0"], "references": ["Résidence étudiante Jean Jaurès, Lyon 7e", "Gymnase des Brosses, Villeurbanne"]}',
 '{"cv","chef de chantier","voiles banchés","bas carbone"}', true,
 '2024-09-05 15:10:00+02', '2024-09-05 15:10:00+02', '5eed0002-0001-4000-8000-000000000003'),
('5eed0003-0001-4000-8000-000000000004', '5eed0001-0001-4000-8000-000000000001', 'equipment',
 'Grue à tour Potain MDT 219 J10',
 'Grue à tour à montage par éléments, propriété de l''entreprise, flèche de 65 m, charge maximale de 10 t et 2,1 t en bout de flèche. Elle est équipée d''un système anticollision et d''une limitation de zone pour le survol des voiries et des établissements voisins. Vérification générale périodique réalisée par un organisme agréé tous les six mois.',
 '{"marque": "Potain", "modele": "MDT 219 J10", "fleche_m": 65, "charge_max_t": 10, "charge_bout_fleche_t": 2.1, "hauteur_sous_crochet_m": 40.5, "annee_mise_en_service": 2019, "propriete": true, "anticollision": true, "derniere_vgp": "2025-01-15"}',
 '{"matériel","grue à tour","levage","Potain"}', true,
 '2024-09-06 08:45:00+02', '2024-09-06 08:45:00+02', '5eed0002-0001-4000-8000-000000000002'),
('5eed0003-0001-4000-8000-000000000005', '5eed0001-0001-4000-8000-000000000001', 'equipment',
 'Banches métalliques et coffrages modulaires',
 'Parc de 620 m² de banches métalliques Outinord (hauteur jusqu''à 3,10 m) avec passerelles de travail intégrées, complété de coffrages modulaires pour poteaux et poutres. Les banches sont stockées et entretenues dans notre dépôt de Saint-Priest et acheminées par semi-remorque plateau.',
 '{"surface_banches_m2": 620, "hauteur_max_m": 3.10, "fabricant": "Outinord", "passerelles_integrees": true, "depot": "Saint-Priest (69800)"}',
 '{"matériel","coffrage","banches","voiles"}', true,
 '2024-09-06 09:20:00+02', '2024-09-06 09:20:00+02', '5eed0002-0001-4000-8000-000000000002'),
('5eed0003-0001-4000-8000-000000000006', '5eed0001-0001-4000-8000-000000000001', 'procedure',
 'PPSPS – trame type gros œuvre',
 'Le plan particulier de sécurité et de protection de la santé est remis au coordonnateur SPS dans les 30 jours suivant la notification. Il décrit l''installation de chantier, les protections collectives (garde-corps posés avant coulage, filets en sous-face, trémies condamnées), le plan de levage de la grue, les consignes d''accueil sécurité et les modalités de secours. Un quart d''heure sécurité hebdomadaire réunit toute l''équipe.',
 '{"reference": "PR-SEC-01", "version_document": "v4", "date_revision": "2024-06-17", "base_reglementaire": ["Code du travail L4532-9", "R4532-56 à R4532-74"], "delai_remise_jours": 30}',
 '{"procédure","sécurité","PPSPS","SPS"}', true,
 '2024-09-09 10:00:00+02', '2024-11-18 16:40:00+01', '5eed0002-0001-4000-8000-000000000001'),
('5eed0003-0001-4000-8000-000000000007', '5eed0001-0001-4000-8000-000000000001', 'procedure',
 'Gestion des déchets de chantier – SOGED',
 'Un schéma d''organisation et de gestion des déchets (SOGED) est remis avant le démarrage. Les déchets sont triés sur site en cinq flux (inertes, bois, métaux, plâtre, DIB) dans des bennes identifiées ; les bétons de démolition sont concassés et valorisés sur une plateforme de recyclage. Chaque évacuation est tracée par un bordereau dématérialisé, avec un objectif de 80 % de valorisation des déchets non dangereux.',
 '{"reference": "PR-ENV-03", "flux_tri": ["inertes", "bois", "métaux", "plâtre", "DIB"], "taux_valorisation_objectif": 0.8, "tracabilite": "Trackdéchets"}',
 '{"procédure","environnement","déchets","SOGED"}', true,
 '2024-09-09 11:30:00+02', '2024-10-01 09:00:00+02', '5eed0002-0001-4000-8000-000000000001'),
('5eed0003-0001-4000-8000-000000000008', '5eed0001-0001-4000-8000-000000000001', 'certification',
 'Qualibat 2112 – Maçonnerie et béton armé courants',
 'Certification Qualibat 2112 (technicité confirmée) détenue sans interruption depuis 2012, renouvelée en 2023 après audit de nos chantiers et de notre organisation. Elle atteste de notre capacité à réaliser des ouvrages de maçonnerie et de béton armé courants en bâtiment.',
 '{"organisme": "Qualibat", "code": "2112", "numero_certificat": "E-12-345678", "date_obtention": "2012-05-04", "date_expiration": "2027-05-03", "technicite": "confirmée"}',
 '{"certification","Qualibat","béton armé"}', true,
 '2024-09-10 08:00:00+02', '2024-09-10 08:00:00+02', '5eed0002-0001-4000-8000-000000000001'),
('5eed0003-0001-4000-8000-000000000009', '5eed0001-0001-4000-8000-000000000001', 'methodology-template',
 'Méthodologie type – gros œuvre d''un bâtiment neuf en R+2',
 'Phase 1 – Préparation (4 semaines) : plans d''exécution, PIC, plan de levage, commandes d''acier et de béton.
Phase 2 – Terrassements et fondations : semelles filantes ou pieux selon l''étude de sol G2 PRO, réseaux sous dallage.
Phase 3 – Superstructure : voiles banchés et planchers prédalles, cycle d''étage de 8 à 10 jours ouvrés, béton CEM III/A pour les voiles.
Phase 4 – Réservations et interfaces : réunion de synthèse hebdomadaire avec les lots techniques, contrôle des réservations avant chaque coulage.
Points d''arrêt : réception des fonds de fouille, des ferraillages et des coffrages avant coulage, par le conducteur de travaux.',
 '{"phases": ["préparation", "fondations", "superstructure", "interfaces"], "cycle_etage_jours": [8, 10], "points_arret": ["fonds de fouille", "ferraillage", "coffrage"]}',
 '{"méthodologie","gros œuvre","voiles banchés","prédalles","construction neuve"}', true,
 '2024-09-12 14:00:00+02', '2024-12-09 10:30:00+01', '5eed0002-0001-4000-8000-000000000002'),
('5eed0003-0001-4000-8000-000000000010', '5eed0001-0001-4000-8000-000000000001', 'past-project-reference',
 'Référence – Groupe scolaire Simone Veil, Villeurbanne (2023)',
 'Construction d''un groupe scolaire de 12 classes et d''un restaurant scolaire (4 200 m² SDP), lot gros œuvre de 2,85 M€ HT pour la Ville de Villeurbanne. Voiles banchés, planchers prédalles et béton bas carbone ; livraison avec trois semaines d''avance et aucun accident avec arrêt.',
 '{"past_project_id": "5eed0005-0001-4000-8000-000000000001", "client": "Ville de Villeurbanne", "annee": 2023, "montant_ht_eur": 2850000, "surface_sdp_m2": 4200}',
 '{"référence","établissement scolaire","construction neuve","bas carbone"}', true,
 '2024-09-13 09:45:00+02', '2024-09-13 09:45:00+02', '5eed0002-0001-4000-8000-000000000003'),
('5eed0003-0001-4000-8000-000000000011', '5eed0001-0001-4000-8000-000000000001', 'procedure',
 'Plan de retrait amiante – trame 2019 (remplacée)',
 'Ancienne trame de plan de retrait pour les interventions de sous-section 4. Remplacée par la procédure du sous-traitant désamiantage certifié ; conservée pour les mémoires qui l''ont citée.',
 '{"reference": "PR-SEC-07", "version_document": "v2", "remplacee_par": "procédure du sous-traitant certifié SS3", "date_retrait": "2024-12-13"}',
 '{"procédure","amiante","SS4"}', false,
 '2024-09-11 16:00:00+02', '2024-12-13 16:30:00+01', '5eed0002-0001-4000-8000-000000000005'),
-- Menuiseries Durand & Fils
('5eed0003-0002-4000-8000-000000000001', '5eed0001-0002-4000-8000-000000000001', 'company-profile',
 'Présentation de Menuiseries Durand & Fils',
 'Entreprise familiale fondée en 1978 par Jacques Durand, Menuiseries Durand & Fils fabrique et pose des menuiseries extérieures bois et bois-aluminium, des menuiseries intérieures et des charpentes. Nos 46 salariés travaillent entre notre atelier de 3 500 m² de Nantes et les chantiers du Grand Ouest. Tous nos bois sont certifiés PEFC et nos fenêtres sont fabriquées sur mesure dans l''atelier, ce qui nous permet de reproduire à l''identique des menuiseries anciennes.',
 '{"annee_creation": 1978, "effectif": 46, "ca_2023_eur": 7800000, "atelier_m2": 3500, "fabrication_integree": true, "generation_familiale": 3}',
 '{"présentation","menuiserie","charpente","fabrication atelier"}', true,
 '2024-10-16 09:30:00+02', '2024-12-05 15:00:00+01', '5eed0002-0002-4000-8000-000000000001'),
('5eed0003-0002-4000-8000-000000000002', '5eed0001-0002-4000-8000-000000000001', 'person-cv',
 'Antoine Durand – Conducteur de travaux',
 'Antoine Durand conduit les chantiers de menuiserie extérieure de l''entreprise depuis 2014 : relevés de cotes, plans de fabrication, planification de la pose et réception avec le maître d''œuvre. Il a piloté le remplacement de plus de 2 000 fenêtres en établissements scolaires occupés.',
 '{"role": "Conducteur de travaux", "years_experience": 11, "diplomas": ["BTS Systèmes constructifs bois et habitat", "Licence professionnelle Bois et construction (Université de Nantes)"], "habilitations": ["SST", "CACES R486 nacelles catégorie B"], "references": ["Lycée Livet, Nantes", "Collège Jean Mounès, Pornic"]}',
 '{"cv","conducteur de travaux","menuiseries extérieures","site occupé"}', true,
 '2024-10-16 10:15:00+02', '2024-10-16 10:15:00+02', '5eed0002-0002-4000-8000-000000000003'),
('5eed0003-0002-4000-8000-000000000003', '5eed0001-0002-4000-8000-000000000001', 'person-cv',
 'Loïc Bernard – Chef d''équipe pose',
 'Compagnon menuisier depuis 22 ans, Loïc Bernard encadre une équipe de quatre poseurs. Il est formé à la pose en applique et en feuillure, à l''étanchéité à l''air des liaisons menuiserie-gros œuvre et à la dépose de menuiseries contenant de l''amiante (sous-section 4).',
 '{"role": "Chef d''équipe pose", "years_experience": 22, "diplomas": ["CAP Menuisier fabricant", "BP Menuisier"], "habilitations": ["SS4 opérateur", "SST", "Travail en hauteur"], "references": ["Lycée Livet, Nantes", "Halle du marché, Rezé"]}',
 '{"cv","chef d''équipe","pose","étanchéité à l''air"}', true,
 '2024-10-16 10:40:00+02', '2024-10-16 10:40:00+02', '5eed0002-0002-4000-8000-000000000003'),
('5eed0003-0002-4000-8000-000000000004', '5eed0001-0002-4000-8000-000000000001', 'equipment',
 'Centre d''usinage CNC Homag 5 axes',
 'Centre d''usinage à commande numérique cinq axes installé en 2021 dans notre atelier, pour l''usinage des profils de fenêtres et des assemblages de charpente. Capacité de 60 fenêtres par semaine en production courante.',
 '{"marque": "Homag", "type": "centre d''usinage CNC 5 axes", "annee_mise_en_service": 2021, "capacite_fenetres_semaine": 60, "longueur_usinable_m": 6.2}',
 '{"matériel","atelier","CNC","fabrication"}', true,
 '2024-10-17 08:30:00+02', '2024-10-17 08:30:00+02', '5eed0002-0002-4000-8000-000000000002'),
('5eed0003-0002-4000-8000-000000000005', '5eed0001-0002-4000-8000-000000000001', 'equipment',
 'Chariot télescopique Manitou MT 1840 et nacelles',
 'Chariot télescopique Manitou MT 1840 (18 m, 4 t) avec potence de levage pour la pose des grands châssis et des éléments de charpente, et deux nacelles articulées de 16 m pour les travaux en façade sans échafaudage.',
 '{"chariot": {"marque": "Manitou", "modele": "MT 1840", "hauteur_m": 18, "charge_t": 4}, "nacelles": 2, "hauteur_nacelle_m": 16}',
 '{"matériel","levage","nacelle","façade"}', true,
 '2024-10-17 09:00:00+02', '2024-10-17 09:00:00+02', '5eed0002-0002-4000-8000-000000000002'),
('5eed0003-0002-4000-8000-000000000006', '5eed0001-0002-4000-8000-000000000001', 'procedure',
 'Remplacement de menuiseries en site occupé – mode opératoire',
 'Chaque local est traité dans la journée : protection des sols et du mobilier, dépose de l''ancienne menuiserie, pose de la nouvelle, calfeutrement et étanchéité à l''air, finitions intérieures, nettoyage. Le local est rendu clos le soir même. Les interventions en salle de classe ont lieu le mercredi et pendant les vacances scolaires ; les ouvrants sont testés et réglés en présence du gestionnaire.',
 '{"reference": "MO-POSE-02", "duree_par_local": "1 jour", "local_rendu_clos_le_soir": true, "creneaux": ["mercredi", "vacances scolaires"]}',
 '{"procédure","pose","site occupé","établissement scolaire"}', true,
 '2024-10-18 14:00:00+02', '2025-01-08 09:20:00+01', '5eed0002-0002-4000-8000-000000000002'),
('5eed0003-0002-4000-8000-000000000007', '5eed0001-0002-4000-8000-000000000001', 'procedure',
 'Gestion des déchets bois et des menuiseries déposées',
 'Les chutes de bois de l''atelier alimentent une chaudière biomasse ; les menuiseries déposées sont démantelées et les vitrages, l''aluminium et le bois repris par des filières de recyclage locales. Les bois traités sont évacués en déchets dangereux avec bordereau.',
 '{"reference": "PR-ENV-01", "filieres": {"vitrage": "recyclage verre plat", "aluminium": "refonte", "bois_non_traite": "chaufferie biomasse", "bois_traite": "ISDD"}}',
 '{"procédure","déchets","recyclage","bois"}', true,
 '2024-10-18 15:30:00+02', '2024-10-18 15:30:00+02', '5eed0002-0002-4000-8000-000000000001'),
('5eed0003-0002-4000-8000-000000000008', '5eed0001-0002-4000-8000-000000000001', 'certification',
 'RGE Qualibat – Menuiseries extérieures',
 'Qualification Qualibat 3512 « Menuiseries extérieures (technicité confirmée) » avec la mention RGE (Reconnu Garant de l''Environnement), qui ouvre droit aux aides à la rénovation énergétique pour nos clients.',
 '{"organisme": "Qualibat", "code": "3512", "mention": "RGE", "numero_certificat": "E-78-901234", "date_obtention": "2016-03-21", "date_expiration": "2026-03-20"}',
 '{"certification","RGE","Qualibat","rénovation énergétique"}', true,
 '2024-10-19 08:00:00+02', '2024-10-19 08:00:00+02', '5eed0002-0002-4000-8000-000000000001'),
('5eed0003-0002-4000-8000-000000000009', '5eed0001-0002-4000-8000-000000000001', 'methodology-template',
 'Méthodologie type – remplacement de menuiseries extérieures en établissement scolaire',
 '1. Relevés de cotes de toutes les baies pendant la période de préparation, avec repérage et photographie de chaque ouvrage.
2. Fabrication en atelier par séries de façade, prototype validé par le maître d''œuvre avant lancement.
3. Pose par équipes de deux à quatre compagnons, un local par jour et par équipe, local rendu clos le soir.
4. Autocontrôle de chaque menuiserie (fiche signée), test d''étanchéité à l''air sur un échantillon de locaux.
5. Réception par façade et levée des réserves sous 15 jours.',
 '{"etapes": 5, "prototype": true, "cadence_locaux_jour_equipe": 1, "delai_levee_reserves_jours": 15}',
 '{"méthodologie","menuiseries extérieures","établissement scolaire","site occupé"}', true,
 '2024-10-21 10:00:00+02', '2025-01-06 17:45:00+01', '5eed0002-0002-4000-8000-000000000003'),
('5eed0003-0002-4000-8000-000000000010', '5eed0001-0002-4000-8000-000000000001', 'past-project-reference',
 'Référence – Lycée Livet, Nantes : remplacement de 420 menuiseries (2023)',
 'Remplacement de 420 fenêtres bois-aluminium en site occupé pour la Région Pays de la Loire, sur trois périodes de vacances scolaires. Menuiseries à triple vitrage côté boulevard pour l''affaiblissement acoustique ; aucune classe fermée pendant l''année scolaire.',
 '{"past_project_id": "5eed0005-0002-4000-8000-000000000001", "client": "Région Pays de la Loire", "annee": 2023, "montant_ht_eur": 1240000, "nombre_menuiseries": 420}',
 '{"référence","lycée","menuiseries extérieures","site occupé"}', true,
 '2024-10-22 11:00:00+02', '2024-10-22 11:00:00+02', '5eed0002-0002-4000-8000-000000000002'),
('5eed0003-0002-4000-8000-000000000011', '5eed0001-0002-4000-8000-000000000001', 'certification',
 'Qualibat 3512 – certificat 2019-2023 (périmé)',
 'Certificat Qualibat de la période 2019-2023, remplacé par le certificat en cours portant la mention RGE.',
 '{"organisme": "Qualibat", "code": "3512", "date_obtention": "2019-03-21", "date_expiration": "2023-03-20", "remplace_par": "5eed0003-0002-4000-8000-000000000008"}',
 '{"certification","Qualibat","archive"}', false,
 '2024-10-15 09:30:00+02', '2024-11-29 11:50:00+01', '5eed0002-0002-4000-8000-000000000005'),
-- Énergie Bâtiment Sud
('5eed0003-0003-4000-8000-000000000001', '5eed0001-0003-4000-8000-000000000001', 'company-profile',
 'Présentation d''Énergie Bâtiment Sud',
 'Énergie Bâtiment Sud conçoit, installe et maintient les installations de chauffage, ventilation, climatisation et plomberie des bâtiments tertiaires, de santé et d''enseignement en Provence. Créée en 2003 à Marseille, l''entreprise compte 72 salariés, dont un bureau d''études fluides de 8 personnes, et un service de maintenance qui assure l''exploitation de 140 sites. Nous sommes certifiés MASE et ISO 14001, qualifiés RGE QualiPAC, et titulaires de l''attestation de capacité pour les fluides frigorigènes.',
 '{"annee_creation": 2003, "effectif": 72, "ca_2023_eur": 14200000, "bureau_etudes_fluides": 8, "sites_en_maintenance": 140, "astreinte_24_7": true}',
 '{"présentation","CVC","plomberie","maintenance"}', true,
 '2024-11-07 09:00:00+01', '2025-02-10 14:00:00+01', '5eed0002-0003-4000-8000-000000000001'),
('5eed0003-0003-4000-8000-000000000002', '5eed0001-0003-4000-8000-000000000001', 'person-cv',
 'Laure Fabre – Ingénieure études CVC',
 'Laure Fabre dimensionne les installations de génie climatique (bilans thermiques, réseaux hydrauliques et aérauliques, sélection des pompes à chaleur) et produit les plans d''exécution sous Revit MEP. Elle a conduit les études d''exécution de trois EHPAD et d''une cuisine centrale.',
 '{"role": "Ingénieure études CVC", "years_experience": 9, "diplomas": ["Diplôme d''ingénieur INSA Lyon – Génie énergétique et environnement"], "logiciels": ["Revit MEP", "Climawin", "DIALux"], "references": ["EHPAD Les Oliviers, Aubagne", "Cuisine centrale de La Ciotat"]}',
 '{"cv","bureau d''études","CVC","BIM"}', true,
 '2024-11-07 10:30:00+01', '2024-11-07 10:30:00+01', '5eed0002-0003-4000-8000-000000000002'),
('5eed0003-0003-4000-8000-000000000003', '5eed0001-0003-4000-8000-000000000001', 'person-cv',
 'Nicolas Roux – Conducteur de travaux CVC et plomberie',
 'Nicolas Roux conduit les chantiers de génie climatique et de plomberie de l''entreprise, du lancement des commandes aux essais et à la mise en service. Il a une longue pratique des travaux en établissements de santé occupés : maintien des températures, basculements de production de nuit, désinfection des réseaux avant remise en eau.',
 '{"role": "Conducteur de travaux CVC / plomberie", "years_experience": 17, "diplomas": ["BTS Fluides, Énergies, Domotique", "Licence professionnelle Génie climatique"], "habilitations": ["Attestation d''aptitude fluides frigorigènes catégorie I", "Habilitation électrique BR", "SST"], "references": ["EHPAD Les Oliviers, Aubagne", "Cité scolaire Vauvenargues, Aix-en-Provence"]}',
 '{"cv","conducteur de travaux","CVC","établissement de santé"}', true,
 '2024-11-07 11:00:00+01', '2025-01-14 09:10:00+01', '5eed0002-0003-4000-8000-000000000002'),
('5eed0003-0003-4000-8000-000000000004', '5eed0001-0003-4000-8000-000000000001', 'equipment',
 'Caméra thermique FLIR E96 et analyseur de combustion',
 'Caméra thermique FLIR E96 (640 × 480 pixels) pour la recherche de défauts d''isolation et de déséquilibres de réseaux, et analyseur de combustion Testo 330-2 pour les réglages et les contrôles réglementaires des chaudières.',
 '{"camera": {"marque": "FLIR", "modele": "E96", "resolution": "640x480"}, "analyseur": {"marque": "Testo", "modele": "330-2"}, "etalonnage": "2024-10-02"}',
 '{"matériel","mesure","thermographie","mise en service"}', true,
 '2024-11-08 08:30:00+01', '2024-11-08 08:30:00+01', '5eed0002-0003-4000-8000-000000000003'),
('5eed0003-0003-4000-8000-000000000005', '5eed0001-0003-4000-8000-000000000001', 'equipment',
 'Outillage de sertissage et station de récupération de fluides',
 'Quatre sertisseuses Viega Pressgun 6 pour les réseaux cuivre et multicouche sans point chaud, ce qui supprime le permis de feu en milieu occupé, et deux stations de récupération de fluides frigorigènes avec bouteilles de transfert et balance.',
 '{"sertisseuses": {"marque": "Viega", "modele": "Pressgun 6", "nombre": 4}, "stations_recuperation_fluides": 2, "sans_point_chaud": true}',
 '{"matériel","sertissage","fluides frigorigènes","sans point chaud"}', true,
 '2024-11-08 09:00:00+01', '2024-11-08 09:00:00+01', '5eed0002-0003-4000-8000-000000000003'),
('5eed0003-0003-4000-8000-000000000006', '5eed0001-0003-4000-8000-000000000001', 'procedure',
 'Désinfection des réseaux d''eau et prévention des légionelles',
 'Avant toute remise en eau, les réseaux neufs ou modifiés sont rincés puis désinfectés par choc chloré, et des prélèvements sont confiés à un laboratoire accrédité COFRAC. Pendant les travaux, les bras morts sont supprimés au fur et à mesure et la température de bouclage est contrôlée chaque semaine (au moins 50 °C en tout point).',
 '{"reference": "PR-SAN-02", "methode": "choc chloré", "laboratoire": "accrédité COFRAC", "temperature_bouclage_min_c": 50, "frequence_controle": "hebdomadaire"}',
 '{"procédure","légionelle","eau chaude sanitaire","établissement de santé"}', true,
 '2024-11-12 14:00:00+01', '2025-02-03 11:00:00+01', '5eed0002-0003-4000-8000-000000000001'),
('5eed0003-0003-4000-8000-000000000007', '5eed0001-0003-4000-8000-000000000001', 'procedure',
 'Gestion des fluides frigorigènes et des déchets d''équipements',
 'Les fluides frigorigènes sont récupérés par un technicien titulaire de l''attestation d''aptitude, tracés sur une fiche d''intervention Cerfa 15497 et remis au distributeur. Les équipements déposés (chaudières, groupes froids, radiateurs) suivent la filière DEEE ou la valorisation des métaux.',
 '{"reference": "PR-ENV-05", "cerfa": "15497", "filieres": ["reprise distributeur", "DEEE", "métaux"]}',
 '{"procédure","environnement","fluides frigorigènes","déchets"}', true,
 '2024-11-12 15:00:00+01', '2024-11-12 15:00:00+01', '5eed0002-0003-4000-8000-000000000001'),
('5eed0003-0003-4000-8000-000000000008', '5eed0001-0003-4000-8000-000000000001', 'certification',
 'RGE QualiPAC – pompes à chaleur',
 'Qualification QualiPAC (Qualit''EnR) avec la mention RGE pour l''installation de pompes à chaleur aérothermiques et géothermiques, renouvelée chaque année après audit d''une installation réalisée.',
 '{"organisme": "Qualit''EnR", "qualification": "QualiPAC", "mention": "RGE", "numero": "QPAC-2019-04512", "date_expiration": "2025-12-31"}',
 '{"certification","RGE","pompe à chaleur"}', true,
 '2024-11-13 08:30:00+01', '2024-11-13 08:30:00+01', '5eed0002-0003-4000-8000-000000000001'),
('5eed0003-0003-4000-8000-000000000009', '5eed0001-0003-4000-8000-000000000001', 'methodology-template',
 'Méthodologie type – remplacement d''une production de chaleur en site occupé',
 'Étape 1 – Production provisoire : chaudière mobile raccordée sur piquages en attente, mise en service avant toute dépose.
Étape 2 – Dépose de l''ancienne production et des organes vétustes, récupération des fluides.
Étape 3 – Pose de la nouvelle production (pompes à chaleur et appoint gaz à condensation), raccordements hydrauliques sertis.
Étape 4 – Basculement de nuit, essais, équilibrage des réseaux et réglage de la régulation.
Étape 5 – Formation de l''exploitant, remise du DOE et suivi des consommations pendant la première saison de chauffe.',
 '{"etapes": 5, "production_provisoire": true, "basculement": "de nuit", "suivi_consommations_mois": 12}',
 '{"méthodologie","chaufferie","pompe à chaleur","site occupé"}', true,
 '2024-11-14 10:00:00+01', '2025-01-20 16:00:00+01', '5eed0002-0003-4000-8000-000000000002'),
('5eed0003-0003-4000-8000-000000000010', '5eed0001-0003-4000-8000-000000000001', 'past-project-reference',
 'Référence – EHPAD Les Oliviers, Aubagne : rénovation CVC et plomberie (2024)',
 'Remplacement de la chaufferie gaz par deux pompes à chaleur air/eau avec appoint gaz à condensation, création d''une ventilation double flux dans les circulations et réfection complète de l''eau chaude sanitaire, sans interruption de service pour les 92 résidents.',
 '{"past_project_id": "5eed0005-0003-4000-8000-000000000001", "client": "Association Les Oliviers", "annee": 2024, "montant_ht_eur": 1680000, "residents": 92}',
 '{"référence","EHPAD","pompe à chaleur","site occupé"}', true,
 '2024-11-15 09:00:00+01', '2024-11-15 09:00:00+01', '5eed0002-0003-4000-8000-000000000003'),
('5eed0003-0003-4000-8000-000000000011', '5eed0001-0003-4000-8000-000000000001', 'procedure',
 'Procédure légionelle – version 2020 (remplacée)',
 'Version 2020 de la procédure de prévention des légionelles, remplacée par PR-SAN-02 après la mise à jour de l''arrêté ; conservée pour les mémoires qui l''ont citée.',
 '{"reference": "PR-SAN-01", "remplacee_par": "5eed0003-0003-4000-8000-000000000006"}',
 '{"procédure","légionelle","archive"}', false,
 '2024-11-06 09:00:00+01', '2025-01-17 17:00:00+01', '5eed0002-0003-4000-8000-000000000005')
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- files: what was uploaded behind the blocks
-- ---------------------------------------------------------------------------
INSERT INTO public.files (id, company_id, filename, file_type, storage_url, size_bytes, uploaded_at, uploaded_by, metadata) VALUES
-- Bâtiments Rhône-Alpes Construction
('5eed0004-0001-4000-8000-000000000001', '5eed0001-0001-4000-8000-000000000001', 'Plaquette_BRAC_2024.pdf', 'application/pdf',
 's3://memtech-dev/companies/brac/library/plaquette-brac-2024.pdf', 4823118, '2024-09-04 09:05:00+02', '5eed0002-0001-4000-8000-000000000001',
 '{"pages": 16, "langue": "fr"}'),
('5eed0004-0001-4000-8000-000000000002', '5eed0001-0001-4000-8000-000000000001', 'CV_JM_Perrin_2024.pdf', 'application/pdf',
 's3://memtech-dev/companies/brac/library/cv-jm-perrin-2024.pdf', 312544, '2024-09-05 14:32:00+02', '5eed0002-0001-4000-8000-000000000003',
 '{"pages": 2}'),
('5eed0004-0001-4000-8000-000000000003', '5eed0001-0001-4000-8000-000000000001', 'Grue Potain MDT219 chantier Gerland.jpg', 'image/jpeg',
 's3://memtech-dev/companies/brac/library/grue-potain-mdt219-chantier-gerland.jpg', 2684390, '2024-09-06 08:47:00+02', '5eed0002-0001-4000-8000-000000000002',
 '{"largeur_px": 4032, "hauteur_px": 3024, "prise_de_vue": "2024-05-22", "lieu": "Lyon 7e"}'),
('5eed0004-0001-4000-8000-000000000004', '5eed0001-0001-4000-8000-000000000001', 'Fiche_technique_Potain_MDT_219_J10.pdf', 'application/pdf',
 's3://memtech-dev/companies/brac/library/fiche-technique-potain-mdt-219-j10.pdf', 1190212, '2024-09-06 08:50:00+02', '5eed0002-0001-4000-8000-000000000002',
 '{"pages": 8, "editeur": "Manitowoc Potain"}'),
('5eed0004-0001-4000-8000-000000000005', '5eed0001-0001-4000-8000-000000000001', 'Certificat_Qualibat_2112_2023.pdf', 'application/pdf',
 's3://memtech-dev/companies/brac/library/certificat-qualibat-2112-2023.pdf', 208771, '2024-09-10 08:02:00+02', '5eed0002-0001-4000-8000-000000000001',
 '{"pages": 1, "date_expiration": "2027-05-03"}'),
('5eed0004-0001-4000-8000-000000000006', '5eed0001-0001-4000-8000-000000000001', 'GS_Simone_Veil_facade_sud.jpg', 'image/jpeg',
 's3://memtech-dev/companies/brac/library/gs-simone-veil-facade-sud.jpg', 3457920, '2024-09-13 09:47:00+02', '5eed0002-0001-4000-8000-000000000003',
 '{"largeur_px": 5472, "hauteur_px": 3648, "prise_de_vue": "2023-08-29", "credit": "BRAC"}'),
('5eed0004-0001-4000-8000-000000000007', '5eed0001-0001-4000-8000-000000000001', 'CV_N_Rahmani_2024.pdf', 'application/pdf',
 's3://memtech-dev/companies/brac/library/cv-n-rahmani-2024.pdf', 287310, '2024-09-05 15:12:00+02', '5eed0002-0001-4000-8000-000000000003',
 '{"pages": 2}'),
('5eed0004-0001-4000-8000-000000000008', '5eed0001-0001-4000-8000-000000000001', 'PPSPS_type_GO_v4.docx',
 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
 's3://memtech-dev/companies/brac/library/ppsps-type-go-v4.docx', 156208, '2024-11-18 16:42:00+01', '5eed0002-0001-4000-8000-000000000001',
 '{"pages": 24}'),
-- Menuiseries Durand & Fils
('5eed0004-0002-4000-8000-000000000001', '5eed0001-0002-4000-8000-000000000001', 'Plaquette Durand & Fils.pdf', 'application/pdf',
 's3://memtech-dev/companies/durand/library/plaquette-durand-et-fils.pdf', 6120044, '2024-10-16 09:35:00+02', '5eed0002-0002-4000-8000-000000000001',
 '{"pages": 12, "langue": "fr"}'),
('5eed0004-0002-4000-8000-000000000002', '5eed0001-0002-4000-8000-000000000001', 'CV_Antoine_Durand.pdf', 'application/pdf',
 's3://memtech-dev/companies/durand/library/cv-antoine-durand.pdf', 254019, '2024-10-16 10:17:00+02', '5eed0002-0002-4000-8000-000000000003',
 '{"pages": 2}'),
('5eed0004-0002-4000-8000-000000000003', '5eed0001-0002-4000-8000-000000000001', 'Atelier_CNC_Homag.jpg', 'image/jpeg',
 's3://memtech-dev/companies/durand/library/atelier-cnc-homag.jpg', 2210456, '2024-10-17 08:32:00+02', '5eed0002-0002-4000-8000-000000000002',
 '{"largeur_px": 4000, "hauteur_px": 3000, "prise_de_vue": "2024-06-11"}'),
('5eed0004-0002-4000-8000-000000000004', '5eed0001-0002-4000-8000-000000000001', 'Homag_Centateq_fiche_technique.pdf', 'application/pdf',
 's3://memtech-dev/companies/durand/library/homag-fiche-technique.pdf', 1873402, '2024-10-17 08:34:00+02', '5eed0002-0002-4000-8000-000000000002',
 '{"pages": 6, "editeur": "Homag"}'),
('5eed0004-0002-4000-8000-000000000005', '5eed0001-0002-4000-8000-000000000001', 'Certificat_RGE_Qualibat_3512.pdf', 'application/pdf',
 's3://memtech-dev/companies/durand/library/certificat-rge-qualibat-3512.pdf', 198650, '2024-10-19 08:03:00+02', '5eed0002-0002-4000-8000-000000000001',
 '{"pages": 1, "date_expiration": "2026-03-20"}'),
('5eed0004-0002-4000-8000-000000000006', '5eed0001-0002-4000-8000-000000000001', 'Lycee_Livet_facade_apres_travaux.jpg', 'image/jpeg',
 's3://memtech-dev/companies/durand/library/lycee-livet-facade-apres-travaux.jpg', 3901224, '2024-10-22 11:02:00+02', '5eed0002-0002-4000-8000-000000000002',
 '{"largeur_px": 6000, "hauteur_px": 4000, "prise_de_vue": "2023-09-04"}'),
('5eed0004-0002-4000-8000-000000000007', '5eed0001-0002-4000-8000-000000000001', 'Fiche_technique_fenetre_bois-alu_Uw1.3.pdf', 'application/pdf',
 's3://memtech-dev/companies/durand/library/fiche-technique-fenetre-bois-alu-uw13.pdf', 742118, '2024-10-18 14:05:00+02', '5eed0002-0002-4000-8000-000000000003',
 '{"pages": 4, "uw_w_m2k": 1.3, "aev": "A*4 E*7B V*A2"}'),
-- Énergie Bâtiment Sud
('5eed0004-0003-4000-8000-000000000001', '5eed0001-0003-4000-8000-000000000001', 'EBS_presentation_2025.pdf', 'application/pdf',
 's3://memtech-dev/companies/ebs/library/ebs-presentation-2025.pdf', 3350987, '2025-02-10 14:02:00+01', '5eed0002-0003-4000-8000-000000000001',
 '{"pages": 10, "langue": "fr"}'),
('5eed0004-0003-4000-8000-000000000002', '5eed0001-0003-4000-8000-000000000001', 'CV_Nicolas_Roux.pdf', 'application/pdf',
 's3://memtech-dev/companies/ebs/library/cv-nicolas-roux.pdf', 276433, '2024-11-07 11:02:00+01', '5eed0002-0003-4000-8000-000000000002',
 '{"pages": 2}'),
('5eed0004-0003-4000-8000-000000000003', '5eed0001-0003-4000-8000-000000000001', 'Thermographie_reseau_EHPAD.png', 'image/png',
 's3://memtech-dev/companies/ebs/library/thermographie-reseau-ehpad.png', 1048576, '2024-11-08 08:35:00+01', '5eed0002-0003-4000-8000-000000000003',
 '{"largeur_px": 640, "hauteur_px": 480, "appareil": "FLIR E96"}'),
('5eed0004-0003-4000-8000-000000000004', '5eed0001-0003-4000-8000-000000000001', 'FLIR_E96_datasheet.pdf', 'application/pdf',
 's3://memtech-dev/companies/ebs/library/flir-e96-datasheet.pdf', 905312, '2024-11-08 08:36:00+01', '5eed0002-0003-4000-8000-000000000003',
 '{"pages": 4, "langue": "en"}'),
('5eed0004-0003-4000-8000-000000000005', '5eed0001-0003-4000-8000-000000000001', 'Certificat_QualiPAC_RGE_2025.pdf', 'application/pdf',
 's3://memtech-dev/companies/ebs/library/certificat-qualipac-rge-2025.pdf', 184220, '2024-11-13 08:31:00+01', '5eed0002-0003-4000-8000-000000000001',
 '{"pages": 1, "date_expiration": "2025-12-31"}'),
('5eed0004-0003-4000-8000-000000000006', '5eed0001-0003-4000-8000-000000000001', 'EHPAD_Oliviers_chaufferie_PAC.jpg', 'image/jpeg',
 's3://memtech-dev/companies/ebs/library/ehpad-oliviers-chaufferie-pac.jpg', 2987004, '2024-11-15 09:02:00+01', '5eed0002-0003-4000-8000-000000000003',
 '{"largeur_px": 4032, "hauteur_px": 3024, "prise_de_vue": "2024-06-18"}'),
('5eed0004-0003-4000-8000-000000000007', '5eed0001-0003-4000-8000-000000000001', 'Viega_Pressgun6_notice.pdf', 'application/pdf',
 's3://memtech-dev/companies/ebs/library/viega-pressgun6-notice.pdf', 2311870, '2024-11-08 09:02:00+01', '5eed0002-0003-4000-8000-000000000003',
 '{"pages": 36, "editeur": "Viega"}')
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- block_files: every relationship kind in each company (block and file of one company)
-- ---------------------------------------------------------------------------
INSERT INTO public.block_files (block_id, file_id, company_id, relationship) VALUES
('5eed0003-0001-4000-8000-000000000001', '5eed0004-0001-4000-8000-000000000001', '5eed0001-0001-4000-8000-000000000001', 'main-file'),
('5eed0003-0001-4000-8000-000000000002', '5eed0004-0001-4000-8000-000000000002', '5eed0001-0001-4000-8000-000000000001', 'main-file'),
('5eed0003-0001-4000-8000-000000000003', '5eed0004-0001-4000-8000-000000000007', '5eed0001-0001-4000-8000-000000000001', 'main-file'),
('5eed0003-0001-4000-8000-000000000004', '5eed0004-0001-4000-8000-000000000003', '5eed0001-0001-4000-8000-000000000001', 'photo'),
('5eed0003-0001-4000-8000-000000000004', '5eed0004-0001-4000-8000-000000000004', '5eed0001-0001-4000-8000-000000000001', 'datasheet'),
('5eed0003-0001-4000-8000-000000000006', '5eed0004-0001-4000-8000-000000000008', '5eed0001-0001-4000-8000-000000000001', 'main-file'),
('5eed0003-0001-4000-8000-000000000008', '5eed0004-0001-4000-8000-000000000005', '5eed0001-0001-4000-8000-000000000001', 'certificate'),
('5eed0003-0001-4000-8000-000000000010', '5eed0004-0001-4000-8000-000000000006', '5eed0001-0001-4000-8000-000000000001', 'photo'),
('5eed0003-0001-4000-8000-000000000001', '5eed0004-0001-4000-8000-000000000005', '5eed0001-0001-4000-8000-000000000001', 'certificate'),
('5eed0003-0002-4000-8000-000000000001', '5eed0004-0002-4000-8000-000000000001', '5eed0001-0002-4000-8000-000000000001', 'main-file'),
('5eed0003-0002-4000-8000-000000000002', '5eed0004-0002-4000-8000-000000000002', '5eed0001-0002-4000-8000-000000000001', 'main-file'),
('5eed0003-0002-4000-8000-000000000004', '5eed0004-0002-4000-8000-000000000003', '5eed0001-0002-4000-8000-000000000001', 'photo'),
('5eed0003-0002-4000-8000-000000000004', '5eed0004-0002-4000-8000-000000000004', '5eed0001-0002-4000-8000-000000000001', 'datasheet'),
('5eed0003-0002-4000-8000-000000000006', '5eed0004-0002-4000-8000-000000000007', '5eed0001-0002-4000-8000-000000000001', 'datasheet'),
('5eed0003-0002-4000-8000-000000000008', '5eed0004-0002-4000-8000-000000000005', '5eed0001-0002-4000-8000-000000000001', 'certificate'),
('5eed0003-0002-4000-8000-000000000010', '5eed0004-0002-4000-8000-000000000006', '5eed0001-0002-4000-8000-000000000001', 'photo'),
('5eed0003-0003-4000-8000-000000000001', '5eed0004-0003-4000-8000-000000000001', '5eed0001-0003-4000-8000-000000000001', 'main-file'),
('5eed0003-0003-4000-8000-000000000003', '5eed0004-0003-4000-8000-000000000002', '5eed0001-0003-4000-8000-000000000001', 'main-file'),
('5eed0003-0003-4000-8000-000000000004', '5eed0004-0003-4000-8000-000000000003', '5eed0001-0003-4000-8000-000000000001', 'photo'),
('5eed0003-0003-4000-8000-000000000004', '5eed0004-0003-4000-8000-000000000004', '5eed0001-0003-4000-8000-000000000001', 'datasheet'),
('5eed0003-0003-4000-8000-000000000005', '5eed0004-0003-4000-8000-000000000007', '5eed0001-0003-4000-8000-000000000001', 'datasheet'),
('5eed0003-0003-4000-8000-000000000008', '5eed0004-0003-4000-8000-000000000005', '5eed0001-0003-4000-8000-000000000001', 'certificate'),
('5eed0003-0003-4000-8000-000000000010', '5eed0004-0003-4000-8000-000000000006', '5eed0001-0003-4000-8000-000000000001', 'photo')
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- past_projects: references; the last of each company may not be cited
-- ---------------------------------------------------------------------------
INSERT INTO public.past_projects (id, company_id, name, client, year, project_type, description, techniques_used, success_factors, photos, is_referenceable, metadata, created_at) VALUES
-- Bâtiments Rhône-Alpes Construction
('5eed0005-0001-4000-8000-000000000001', '5eed0001-0001-4000-8000-000000000001',
 'Groupe scolaire Simone Veil – Lot 02 Gros œuvre', 'Ville de Villeurbanne', 2023, 'Établissement scolaire – construction neuve',
 'Construction d''un groupe scolaire de 12 classes (5 maternelles, 7 élémentaires) et d''un restaurant scolaire de 350 couverts, en R+2 sur un niveau de vide sanitaire. Gros œuvre en voiles banchés et planchers prédalles, préau en béton architectonique matricé.',
 '{"voiles béton banché","planchers prédalles","béton bas carbone CEM III/A","béton architectonique matricé","vide sanitaire"}',
 '{"Livraison du gros œuvre avec trois semaines d''avance","Zéro accident avec arrêt sur 14 mois","Cycle d''étage tenu à 8 jours ouvrés","28 % de CO₂ en moins sur les voiles grâce au CEM III/A"}',
 '{"s3://memtech-dev/companies/brac/references/gs-simone-veil-facade-sud.jpg","s3://memtech-dev/companies/brac/references/gs-simone-veil-preau.jpg"}',
 true, '{"montant_ht_eur": 2850000, "surface_sdp_m2": 4200, "duree_mois": 14, "architecte": "Atelier Méridienne Architectes", "attestation_bonne_execution": true}',
 '2024-09-13 09:30:00+02'),
('5eed0005-0001-4000-8000-000000000002', '5eed0001-0001-4000-8000-000000000001',
 'Résidence étudiante Jean Jaurès – 180 logements', 'Lyon Métropole Habitat', 2022, 'Logement collectif – construction neuve',
 'Résidence étudiante de 180 studios en R+6 sur un niveau de sous-sol, en plein centre du 7e arrondissement, avec une emprise de chantier limitée au trottoir et des livraisons contraintes.',
 '{"voiles béton banché","parois moulées","planchers dalles pleines","escaliers préfabriqués"}',
 '{"Plan d''installation de chantier en emprise réduite validé par la voirie","Aucune plainte de riverain","Réserves levées sous 10 jours"}',
 '{"s3://memtech-dev/companies/brac/references/residence-jean-jaures.jpg"}',
 true, '{"montant_ht_eur": 4100000, "surface_sdp_m2": 5600, "duree_mois": 19, "logements": 180}',
 '2024-09-13 10:05:00+02'),
('5eed0005-0001-4000-8000-000000000003', '5eed0001-0001-4000-8000-000000000001',
 'Parking silo de la clinique du Val', 'SCI Clinique du Val', 2021, 'Parking – construction neuve',
 'Parking silo de 420 places en R+4, poteaux et poutres préfabriqués, dalles alvéolaires.',
 '{"préfabrication lourde","dalles alvéolaires","béton fibré"}',
 '{"Montage de la structure en 9 semaines"}',
 '{}',
 false, '{"montant_ht_eur": 3300000, "places": 420, "motif_non_referencable": "clause de confidentialité du maître d''ouvrage privé"}',
 '2024-09-13 10:20:00+02'),
-- Menuiseries Durand & Fils
('5eed0005-0002-4000-8000-000000000001', '5eed0001-0002-4000-8000-000000000001',
 'Lycée Livet – remplacement des menuiseries extérieures', 'Région Pays de la Loire', 2023, 'Établissement scolaire – réhabilitation',
 'Remplacement de 420 fenêtres et portes-fenêtres par des menuiseries bois-aluminium à double et triple vitrage, en site occupé sur trois périodes de vacances scolaires, y compris la dépose de mastics amiantés en sous-section 4.',
 '{"menuiseries bois-aluminium","triple vitrage acoustique","pose en dépose totale","retrait SS4 des mastics"}',
 '{"Aucune classe fermée pendant l''année scolaire","Prototype validé dès la période de préparation","Gain mesuré de 18 % sur la consommation de chauffage"}',
 '{"s3://memtech-dev/companies/durand/references/lycee-livet-facade.jpg","s3://memtech-dev/companies/durand/references/lycee-livet-detail-appui.jpg"}',
 true, '{"montant_ht_eur": 1240000, "nombre_menuiseries": 420, "duree_mois": 13, "maitre_oeuvre": "Cabinet Arcature"}',
 '2024-10-22 10:45:00+02'),
('5eed0005-0002-4000-8000-000000000002', '5eed0001-0002-4000-8000-000000000001',
 'Halle du marché de Rezé – charpente lamellé-collé', 'Ville de Rezé', 2022, 'Équipement public – construction neuve',
 'Charpente en lamellé-collé de douglas de 32 m de portée pour la nouvelle halle du marché, fabriquée et taillée dans notre atelier, levée en deux semaines.',
 '{"lamellé-collé douglas","taille numérique","assemblages métalliques cachés"}',
 '{"Bois 100 % origine France certifié PEFC","Levage réalisé hors jours de marché"}',
 '{"s3://memtech-dev/companies/durand/references/halle-reze.jpg"}',
 true, '{"montant_ht_eur": 610000, "portee_m": 32, "volume_bois_m3": 145}',
 '2024-10-22 11:15:00+02'),
('5eed0005-0002-4000-8000-000000000003', '5eed0001-0002-4000-8000-000000000001',
 'Maison individuelle à ossature bois, Clisson', 'Client particulier', 2021, 'Maison individuelle',
 'Maison de 140 m² à ossature bois et bardage mélèze.',
 '{"ossature bois","bardage mélèze"}',
 '{"Chantier hors d''eau en 3 semaines"}',
 '{}',
 false, '{"montant_ht_eur": 185000, "motif_non_referencable": "client particulier"}',
 '2024-10-22 11:30:00+02'),
-- Énergie Bâtiment Sud
('5eed0005-0003-4000-8000-000000000001', '5eed0001-0003-4000-8000-000000000001',
 'EHPAD Les Oliviers – rénovation CVC et plomberie', 'Association Les Oliviers', 2024, 'Établissement de santé – réhabilitation',
 'Remplacement de la chaufferie gaz par deux pompes à chaleur air/eau de 180 kW avec appoint gaz à condensation, ventilation double flux des circulations et réfection de l''eau chaude sanitaire, en maintenant le service pour les 92 résidents.',
 '{"pompe à chaleur air/eau","chaudière gaz à condensation","ventilation double flux","bouclage ECS","sertissage sans point chaud"}',
 '{"Aucune coupure de chauffage pendant l''hiver","Résultats légionelles conformes à chaque prélèvement","Consommation d''énergie réduite de 41 % la première année"}',
 '{"s3://memtech-dev/companies/ebs/references/ehpad-oliviers-chaufferie.jpg","s3://memtech-dev/companies/ebs/references/ehpad-oliviers-toiture-pac.jpg"}',
 true, '{"montant_ht_eur": 1680000, "puissance_pac_kw": 360, "duree_mois": 10, "residents": 92}',
 '2024-11-15 08:40:00+01'),
('5eed0005-0003-4000-8000-000000000002', '5eed0001-0003-4000-8000-000000000001',
 'Cité scolaire Vauvenargues – chaufferie bois', 'Région Sud Provence-Alpes-Côte d''Azur', 2022, 'Établissement scolaire – réhabilitation',
 'Création d''une chaufferie bois granulés de 400 kW avec silo de 60 m³ et réseau de chaleur enterré desservant quatre bâtiments.',
 '{"chaudière granulés","réseau de chaleur enterré","régulation GTB"}',
 '{"Travaux réalisés pendant l''été, chauffage disponible à la rentrée","Formation de l''agent de maintenance du lycée"}',
 '{"s3://memtech-dev/companies/ebs/references/vauvenargues-chaufferie-bois.jpg"}',
 true, '{"montant_ht_eur": 920000, "puissance_kw": 400, "duree_mois": 5}',
 '2024-11-15 08:55:00+01'),
('5eed0005-0003-4000-8000-000000000003', '5eed0001-0003-4000-8000-000000000001',
 'Climatisation d''un plateau de bureaux, Marseille 2e', 'Promoteur tertiaire (confidentiel)', 2023, 'Tertiaire – aménagement',
 'Climatisation à débit de réfrigérant variable d''un plateau de 1 800 m².',
 '{"DRV","GTB"}',
 '{"Livraison en 6 semaines"}',
 '{}',
 false, '{"montant_ht_eur": 340000, "motif_non_referencable": "accord de confidentialité"}',
 '2024-11-15 09:10:00+01')
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- section_templates: model texts with {{placeholders}}
-- ---------------------------------------------------------------------------
INSERT INTO public.section_templates (id, company_id, section_type, title, template_content, placeholders, usage_count, created_at) VALUES
-- Bâtiments Rhône-Alpes Construction
('5eed0006-0001-4000-8000-000000000001', '5eed0001-0001-4000-8000-000000000001', 'presentation',
 'Présentation de l''entreprise – modèle standard',
 '{{nom_entreprise}} est une entreprise de gros œuvre fondée en {{annee_creation}}, qui emploie {{effectif}} salariés pour un chiffre d''affaires de {{ca_annuel}}. Titulaire des certifications {{certifications}}, elle intervient principalement dans {{zones_intervention}}.
Pour l''opération « {{nom_projet}} », nous mobilisons notre expérience de {{references_similaires}}.',
 '{"nom_entreprise": {"source": "companies.name", "obligatoire": true},
   "annee_creation": {"source": "content_blocks.metadata.annee_creation", "type": "company-profile"},
   "effectif": {"source": "content_blocks.metadata.effectif", "type": "company-profile"},
   "ca_annuel": {"source": "content_blocks.metadata.ca_2023_eur", "format": "montant_meur"},
   "certifications": {"source": "companies.certifications", "format": "liste"},
   "zones_intervention": {"source": "companies.settings.zones_intervention", "format": "liste"},
   "nom_projet": {"source": "projects.name", "obligatoire": true},
   "references_similaires": {"source": "past_projects", "filtre": "même project_type", "max": 3}}',
 14, '2024-09-16 09:00:00+02'),
('5eed0006-0001-4000-8000-000000000002', '5eed0001-0001-4000-8000-000000000001', 'moyens_humains',
 'Moyens humains affectés à l''opération',
 'L''encadrement de l''opération est assuré par {{conducteur_travaux}}, conducteur de travaux ({{experience_conducteur}} ans d''expérience), présent sur site {{presence_conducteur}}, et par {{chef_chantier}}, chef de chantier à temps plein. L''effectif de pointe atteindra {{effectif_pointe}} compagnons pendant la phase de superstructure.',
 '{"conducteur_travaux": {"source": "content_blocks", "type": "person-cv", "role": "Conducteur de travaux"},
   "experience_conducteur": {"source": "content_blocks.metadata.years_experience"},
   "presence_conducteur": {"defaut": "trois demi-journées par semaine"},
   "chef_chantier": {"source": "content_blocks", "type": "person-cv", "role": "Chef de chantier"},
   "effectif_pointe": {"source": "saisie", "type": "entier"}}',
 11, '2024-09-16 09:30:00+02'),
('5eed0006-0001-4000-8000-000000000003', '5eed0001-0001-4000-8000-000000000001', 'securite',
 'Hygiène et sécurité – chantier en milieu urbain',
 'Le PPSPS de l''opération sera remis au coordonnateur SPS {{coordonnateur_sps}} sous {{delai_ppsps}} jours. La zone de chantier est isolée par une clôture de {{hauteur_cloture}} m ; les livraisons sont interdites aux heures d''entrée et de sortie de {{etablissement_voisin}}. Le levage est régi par le plan de levage de la grue {{grue}}.',
 '{"coordonnateur_sps": {"source": "rc_analysis.project_info.coordonnateur_sps"},
   "delai_ppsps": {"defaut": 30},
   "hauteur_cloture": {"defaut": 2},
   "etablissement_voisin": {"source": "saisie"},
   "grue": {"source": "content_blocks", "type": "equipment", "tag": "grue à tour"}}',
 6, '2024-09-17 14:00:00+02'),
-- Menuiseries Durand & Fils
('5eed0006-0002-4000-8000-000000000001', '5eed0001-0002-4000-8000-000000000001', 'methodologie',
 'Méthodologie de remplacement des menuiseries',
 'Les {{nombre_menuiseries}} menuiseries du {{nom_batiment}} seront fabriquées dans notre atelier de Nantes après relevé de cotes de chaque baie. La pose sera réalisée par {{nombre_equipes}} équipes, à raison d''un local par jour et par équipe, pendant {{periodes_intervention}}. Chaque local est rendu clos et propre le soir même.',
 '{"nombre_menuiseries": {"source": "rc_analysis.project_info.quantites.menuiseries", "type": "entier"},
   "nom_batiment": {"source": "projects.name"},
   "nombre_equipes": {"defaut": 2, "type": "entier"},
   "periodes_intervention": {"source": "saisie", "exemple": "les vacances d''hiver et de printemps"}}',
 9, '2024-10-23 09:00:00+02'),
('5eed0006-0002-4000-8000-000000000002', '5eed0001-0002-4000-8000-000000000001', 'planning',
 'Planning de fabrication et de pose',
 'Préparation et relevés : {{duree_preparation}} semaines. Prototype : semaine {{semaine_prototype}}. Fabrication : {{cadence_fabrication}} menuiseries par semaine. Pose : du {{debut_pose}} au {{fin_pose}}. Réception : {{date_reception}}.',
 '{"duree_preparation": {"defaut": 4}, "semaine_prototype": {"source": "saisie"}, "cadence_fabrication": {"source": "content_blocks.metadata.capacite_fenetres_semaine"},
   "debut_pose": {"type": "date"}, "fin_pose": {"type": "date"}, "date_reception": {"type": "date"}}',
 7, '2024-10-23 09:40:00+02'),
('5eed0006-0002-4000-8000-000000000003', '5eed0001-0002-4000-8000-000000000001', 'environnement',
 'Démarche environnementale – bois et déchets',
 'Nos bois sont certifiés {{certification_bois}}. Les menuiseries déposées sont démantelées sur {{lieu_tri}} ; le verre, l''aluminium et le bois sont repris par {{filieres}}. Taux de valorisation visé : {{taux_valorisation}} %.',
 '{"certification_bois": {"defaut": "PEFC"}, "lieu_tri": {"defaut": "notre atelier"}, "filieres": {"source": "content_blocks.metadata.filieres", "type": "procedure"}, "taux_valorisation": {"defaut": 85}}',
 5, '2024-10-23 10:15:00+02'),
-- Énergie Bâtiment Sud
('5eed0006-0003-4000-8000-000000000001', '5eed0001-0003-4000-8000-000000000001', 'methodologie',
 'Méthodologie – travaux CVC en établissement de santé occupé',
 'Les travaux du lot {{lot}} se dérouleront sans interruption du chauffage ni de l''eau chaude sanitaire pour les {{nombre_residents}} résidents. Une production provisoire de {{puissance_provisoire}} kW sera mise en service avant toute dépose ; les basculements auront lieu de nuit, entre {{heure_debut_coupure}} et {{heure_fin_coupure}}, après information de la direction de l''établissement.',
 '{"lot": {"source": "projects.lot"}, "nombre_residents": {"source": "rc_analysis.project_info.capacite"}, "puissance_provisoire": {"source": "saisie", "type": "entier"},
   "heure_debut_coupure": {"defaut": "22 h"}, "heure_fin_coupure": {"defaut": "5 h"}}',
 8, '2024-11-18 10:00:00+01'),
('5eed0006-0003-4000-8000-000000000002', '5eed0001-0003-4000-8000-000000000001', 'qualite',
 'Démarche qualité – essais et mise en service',
 'Chaque réseau fait l''objet d''essais d''étanchéité consignés dans des procès-verbaux. La mise en service comprend l''équilibrage ({{tolerance_equilibrage}} % de tolérance), le réglage de la régulation et une thermographie des réseaux avec {{appareil_mesure}}. Les autocontrôles sont tenus à la disposition du maître d''œuvre {{maitre_oeuvre}}.',
 '{"tolerance_equilibrage": {"defaut": 10}, "appareil_mesure": {"source": "content_blocks", "type": "equipment", "tag": "thermographie"}, "maitre_oeuvre": {"source": "rc_analysis.project_info.maitre_oeuvre"}}',
 4, '2024-11-18 11:00:00+01'),
('5eed0006-0003-4000-8000-000000000003', '5eed0001-0003-4000-8000-000000000001', 'securite',
 'Hygiène – prévention du risque légionelle et aspergillaire',
 'En établissement de santé, les zones de travaux sont confinées ({{type_confinement}}) et les réseaux d''eau neufs désinfectés avant remise en service, avec prélèvements par {{laboratoire}}. La température de bouclage est contrôlée {{frequence_controle}}.',
 '{"type_confinement": {"defaut": "cloisons étanches et sas"}, "laboratoire": {"defaut": "un laboratoire accrédité COFRAC"}, "frequence_controle": {"source": "content_blocks.metadata.frequence_controle", "type": "procedure"}}',
 3, '2024-11-19 09:00:00+01')
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- projects: one tender per company, carried through the workflow
-- ---------------------------------------------------------------------------
INSERT INTO public.projects (id, company_id, name, description, created_at, created_by, client, location, lot, project_type, size, deadline, status, final_document_url, metadata) VALUES
('5eed0007-0001-4000-8000-000000000001', '5eed0001-0001-4000-8000-000000000001',
 'Construction d''un groupe scolaire – Lot 02 Gros œuvre',
 'Groupe scolaire de 14 classes (6 maternelles, 8 élémentaires) avec restaurant scolaire et gymnase de quartier, quartier du Mas du Taureau. Marché alloti en 16 lots ; nous répondons au lot 02 Gros œuvre. Visite obligatoire faite le 5 mars 2025.',
 '2025-02-24 14:05:00+01', '5eed0002-0001-4000-8000-000000000002',
 'Ville de Vaulx-en-Velin', 'Vaulx-en-Velin (69120)', 'Lot 02 – Gros œuvre', 'Établissement scolaire – construction neuve',
 '4 850 m² SDP – estimation du lot 02 : 3,4 M€ HT', '2025-04-11 12:00:00+02', 'reviewing', NULL,
 '{"reference_consultation": "2025-VV-014", "procedure": "Appel d''offres ouvert", "dce_recu_le": "2025-02-24", "visite_effectuee_le": "2025-03-05", "montant_estime_lot_eur": 3400000, "go_no_go": "go"}'),
('5eed0007-0002-4000-8000-000000000001', '5eed0001-0002-4000-8000-000000000001',
 'Réhabilitation du collège Anne de Bretagne – Lot 05 Menuiseries extérieures',
 'Remplacement de 310 menuiseries extérieures par des fenêtres bois-aluminium dans un collège occupé de 650 élèves, pose pendant les vacances d''hiver, de printemps et d''été 2025.',
 '2024-12-16 09:20:00+01', '5eed0002-0002-4000-8000-000000000002',
 'Département de Loire-Atlantique', 'Saint-Herblain (44800)', 'Lot 05 – Menuiseries extérieures bois-aluminium', 'Établissement scolaire – réhabilitation',
 '310 menuiseries – estimation du lot : 980 k€ HT', '2025-01-31 12:00:00+01', 'submitted',
 's3://memtech-dev/companies/durand/projects/2024-CD44-187/MT_Lot05_Menuiseries_Durand_et_Fils.pdf',
 '{"reference_consultation": "2024-CD44-187", "procedure": "Appel d''offres ouvert", "dce_recu_le": "2024-12-16", "depose_le": "2025-01-30T17:42:00+01:00", "accuse_reception": "AR-2025-0130-0042", "montant_offre_ht_eur": 952400}'),
('5eed0007-0003-4000-8000-000000000001', '5eed0001-0003-4000-8000-000000000001',
 'Restructuration de l''EHPAD Les Calanques – Lot 09 CVC Plomberie',
 'Restructuration et extension de 30 chambres d''un EHPAD de 110 lits occupé pendant les travaux : nouvelle production de chaleur par pompes à chaleur, ventilation double flux, réfection des réseaux d''eau chaude sanitaire.',
 '2025-03-18 10:30:00+01', '5eed0002-0003-4000-8000-000000000002',
 'CCAS de la Ville de Marseille', 'Marseille 9e (13009)', 'Lot 09 – Chauffage, ventilation, climatisation, plomberie', 'Établissement de santé – réhabilitation et extension',
 '6 200 m² – estimation du lot 09 : 2,1 M€ HT', '2025-05-16 12:00:00+02', 'reviewing', NULL,
 '{"reference_consultation": "2025-CCAS-031", "procedure": "Procédure adaptée (MAPA)", "dce_recu_le": "2025-03-18", "variante_autorisee": true, "montant_estime_lot_eur": 2100000}')
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- rc_analysis: what the parser read in each RC
-- ---------------------------------------------------------------------------
INSERT INTO public.rc_analysis (id, company_id, project_id, rc_file_url, project_info, required_sections, special_requirements, format, scoring_criteria, analyzed_at, confidence_score) VALUES
('5eed0008-0001-4000-8000-000000000001', '5eed0001-0001-4000-8000-000000000001', '5eed0007-0001-4000-8000-000000000001',
 's3://memtech-dev/companies/brac/projects/2025-VV-014/RC_groupe_scolaire_Mas_du_Taureau.pdf',
 '{"acheteur": "Ville de Vaulx-en-Velin", "reference": "2025-VV-014", "objet": "Construction d''un groupe scolaire et d''un gymnase de quartier",
   "procedure": "Appel d''offres ouvert (articles R2124-2 et R2161-2 du CCP)", "nombre_lots": 16, "lot_vise": "02 – Gros œuvre",
   "date_limite_remise": "2025-04-11T12:00:00+02:00", "visite_obligatoire": true, "duree_travaux_mois": 18,
   "variantes_autorisees": false, "maitre_oeuvre": "Atelier Méridienne Architectes", "coordonnateur_sps": "Bureau Alpes Coordination"}',
 '[{"id": "REQ-01", "titre": "Présentation de l''entreprise et références similaires", "section_type": "presentation", "obligatoire": true},
   {"id": "REQ-02", "titre": "Moyens humains affectés au chantier (organigramme et CV)", "section_type": "moyens_humains", "obligatoire": true, "points": 10},
   {"id": "REQ-03", "titre": "Moyens matériels affectés au chantier", "section_type": "moyens_materiels", "obligatoire": true, "points": 5},
   {"id": "REQ-04", "titre": "Méthodologie d''exécution du gros œuvre", "section_type": "methodologie", "obligatoire": true, "points": 20},
   {"id": "REQ-05", "titre": "Sécurité, hygiène et gestion des nuisances en quartier habité", "section_type": "securite", "obligatoire": true, "points": 10},
   {"id": "REQ-06", "titre": "Gestion environnementale du chantier et des déchets", "section_type": "environnement", "obligatoire": true, "points": 5},
   {"id": "REQ-07", "titre": "Planning détaillé des travaux du lot", "section_type": "planning", "obligatoire": true, "points": 10}]',
 '[{"id": "SPEC-01", "texte": "Attestation de visite de site à joindre à l''offre"},
   {"id": "SPEC-02", "texte": "Au moins 30 % de ciment CEM III sur les voiles (clause bas carbone)"},
   {"id": "SPEC-03", "texte": "Attestation d''assurance décennale en cours de validité"},
   {"id": "SPEC-04", "texte": "Clause d''insertion sociale : 5 % des heures travaillées"}]',
 '{"pages_max": 30, "format_papier": "A4 portrait", "police_min": "Arial 10", "fichier": "PDF", "annexes_hors_pagination": true}',
 '{"valeur_technique": 60, "prix": 40,
   "sous_criteres_valeur_technique": {"methodologie": 20, "moyens_humains": 10, "securite_nuisances": 10, "planning": 10, "moyens_materiels": 5, "environnement": 5}}',
 '2025-02-24 14:09:31+01', 0.92),
('5eed0008-0002-4000-8000-000000000001', '5eed0001-0002-4000-8000-000000000001', '5eed0007-0002-4000-8000-000000000001',
 's3://memtech-dev/companies/durand/projects/2024-CD44-187/RC_college_Anne_de_Bretagne.pdf',
 '{"acheteur": "Département de Loire-Atlantique", "reference": "2024-CD44-187", "objet": "Réhabilitation du collège Anne de Bretagne à Saint-Herblain",
   "procedure": "Appel d''offres ouvert", "nombre_lots": 11, "lot_vise": "05 – Menuiseries extérieures",
   "date_limite_remise": "2025-01-31T12:00:00+01:00", "visite_obligatoire": false, "quantites": {"menuiseries": 310},
   "maitre_oeuvre": "Agence Loire Architecture"}',
 '[{"id": "REQ-01", "titre": "Présentation de l''entreprise", "section_type": "presentation", "obligatoire": true},
   {"id": "REQ-02", "titre": "Moyens humains et encadrement", "section_type": "moyens_humains", "obligatoire": true, "points": 10},
   {"id": "REQ-03", "titre": "Méthodologie de fabrication et de pose en site occupé", "section_type": "methodologie", "obligatoire": true, "points": 25},
   {"id": "REQ-04", "titre": "Planning de fabrication et de pose", "section_type": "planning", "obligatoire": true, "points": 15},
   {"id": "REQ-05", "titre": "Démarche environnementale", "section_type": "environnement", "obligatoire": true, "points": 10}]',
 '[{"id": "SPEC-01", "texte": "Fiche technique des menuiseries proposées (Uw, classement AEV)"},
   {"id": "SPEC-02", "texte": "Prototype d''une fenêtre à présenter au maître d''œuvre avant fabrication"},
   {"id": "SPEC-03", "texte": "Aucune intervention bruyante en période scolaire"}]',
 '{"pages_max": 20, "format_papier": "A4", "police_min": "Arial 10", "fichier": "PDF"}',
 '{"valeur_technique": 60, "prix": 40,
   "sous_criteres_valeur_technique": {"methodologie": 25, "planning": 15, "moyens_humains": 10, "environnement": 10}}',
 '2024-12-16 09:24:12+01', 0.88),
('5eed0008-0003-4000-8000-000000000001', '5eed0001-0003-4000-8000-000000000001', '5eed0007-0003-4000-8000-000000000001',
 's3://memtech-dev/companies/ebs/projects/2025-CCAS-031/RC_EHPAD_Les_Calanques.pdf',
 '{"acheteur": "CCAS de la Ville de Marseille", "reference": "2025-CCAS-031", "objet": "Restructuration et extension de l''EHPAD Les Calanques",
   "procedure": "Procédure adaptée (article R2123-1 du CCP)", "nombre_lots": 14, "lot_vise": "09 – CVC Plomberie",
   "date_limite_remise": "2025-05-16T12:00:00+02:00", "visite_obligatoire": true, "capacite": 110,
   "variantes_autorisees": true, "maitre_oeuvre": "Cabinet Phocée Ingénierie"}',
 '[{"id": "REQ-01", "titre": "Présentation de l''entreprise et références en établissements de santé", "section_type": "presentation", "obligatoire": true},
   {"id": "REQ-02", "titre": "Moyens humains et qualifications (fluides frigorigènes, RGE)", "section_type": "moyens_humains", "obligatoire": true, "points": 10},
   {"id": "REQ-03", "titre": "Méthodologie et continuité de service en site occupé", "section_type": "methodologie", "obligatoire": true, "points": 25},
   {"id": "REQ-04", "titre": "Hygiène : prévention des risques légionelle et aspergillaire", "section_type": "securite", "obligatoire": true, "points": 10},
   {"id": "REQ-05", "titre": "Essais, mise en service et démarche qualité", "section_type": "qualite", "obligatoire": true, "points": 10},
   {"id": "REQ-06", "titre": "Variante : pompes à chaleur au CO₂ pour l''eau chaude sanitaire", "section_type": "variantes", "obligatoire": false, "points": 5}]',
 '[{"id": "SPEC-01", "texte": "Attestation de capacité fluides frigorigènes de l''entreprise"},
   {"id": "SPEC-02", "texte": "Visite obligatoire sur rendez-vous avec la direction de l''EHPAD"},
   {"id": "SPEC-03", "texte": "Note de calcul de la production provisoire pendant les basculements"}]',
 '{"pages_max": 25, "format_papier": "A4", "police_min": "Arial 10", "fichier": "PDF", "annexes_hors_pagination": true}',
 '{"valeur_technique": 55, "prix": 45,
   "sous_criteres_valeur_technique": {"methodologie_continuite_service": 25, "hygiene": 10, "qualite_mise_en_service": 10, "moyens_humains": 5, "variante": 5}}',
 '2025-03-18 10:36:45+01', 0.81)
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- content_matches: each requirement to the company's own blocks
-- ---------------------------------------------------------------------------
INSERT INTO public.content_matches (id, company_id, project_id, requirement_id, matched_blocks, confidence, match_reason, needs_generation, needs_upload, approved, created_at) VALUES
-- Bâtiments Rhône-Alpes Construction
('5eed0009-0001-4000-8000-000000000001', '5eed0001-0001-4000-8000-000000000001', '5eed0007-0001-4000-8000-000000000001', 'REQ-01',
 '{5eed0003-0001-4000-8000-000000000001,5eed0003-0001-4000-8000-000000000010}', 0.94,
 'Présentation de l''entreprise à jour et référence d''un groupe scolaire neuf de taille comparable (2023).', false, false, true, '2025-02-24 14:11:02+01'),
('5eed0009-0001-4000-8000-000000000002', '5eed0001-0001-4000-8000-000000000001', '5eed0007-0001-4000-8000-000000000001', 'REQ-02',
 '{5eed0003-0001-4000-8000-000000000002,5eed0003-0001-4000-8000-000000000003}', 0.91,
 'CV du conducteur de travaux (4 groupes scolaires) et de la cheffe de chantier gros œuvre.', false, false, true, '2025-02-24 14:11:02+01'),
('5eed0009-0001-4000-8000-000000000003', '5eed0001-0001-4000-8000-000000000001', '5eed0007-0001-4000-8000-000000000001', 'REQ-03',
 '{5eed0003-0001-4000-8000-000000000004,5eed0003-0001-4000-8000-000000000005}', 0.88,
 'Grue à tour et banches : matériel propre adapté à un R+2 en voiles banchés.', false, false, true, '2025-02-24 14:11:03+01'),
('5eed0009-0001-4000-8000-000000000004', '5eed0001-0001-4000-8000-000000000001', '5eed0007-0001-4000-8000-000000000001', 'REQ-04',
 '{5eed0003-0001-4000-8000-000000000009,5eed0003-0001-4000-8000-000000000004}', 0.71,
 'La méthodologie type couvre la construction neuve ; à adapter au gymnase et à la clause bas carbone.', true, false, true, '2025-02-24 14:11:03+01'),
('5eed0009-0001-4000-8000-000000000005', '5eed0001-0001-4000-8000-000000000001', '5eed0007-0001-4000-8000-000000000001', 'REQ-05',
 '{5eed0003-0001-4000-8000-000000000006}', 0.66,
 'Trame PPSPS générique : la gestion des nuisances en quartier habité reste à rédiger.', true, false, false, '2025-02-24 14:11:04+01'),
('5eed0009-0001-4000-8000-000000000006', '5eed0001-0001-4000-8000-000000000001', '5eed0007-0001-4000-8000-000000000001', 'REQ-06',
 '{5eed0003-0001-4000-8000-000000000007}', 0.83,
 'Procédure SOGED avec tri 5 flux et objectif de valorisation de 80 %.', false, false, true, '2025-02-24 14:11:04+01'),
('5eed0009-0001-4000-8000-000000000007', '5eed0001-0001-4000-8000-000000000001', '5eed0007-0001-4000-8000-000000000001', 'REQ-07',
 '{}', 0.35,
 'Aucun planning réutilisable dans la bibliothèque : à générer à partir de la durée de 18 mois du RC.', true, false, false, '2025-02-24 14:11:05+01'),
('5eed0009-0001-4000-8000-000000000008', '5eed0001-0001-4000-8000-000000000001', '5eed0007-0001-4000-8000-000000000001', 'SPEC-03',
 '{}', NULL,
 'L''attestation d''assurance décennale 2025 n''est pas dans la bibliothèque.', false, true, false, '2025-02-24 14:11:05+01'),
-- Menuiseries Durand & Fils
('5eed0009-0002-4000-8000-000000000001', '5eed0001-0002-4000-8000-000000000001', '5eed0007-0002-4000-8000-000000000001', 'REQ-01',
 '{5eed0003-0002-4000-8000-000000000001,5eed0003-0002-4000-8000-000000000008}', 0.93,
 'Présentation de l''entreprise et certification RGE Qualibat 3512.', false, false, true, '2024-12-16 09:26:40+01'),
('5eed0009-0002-4000-8000-000000000002', '5eed0001-0002-4000-8000-000000000001', '5eed0007-0002-4000-8000-000000000001', 'REQ-02',
 '{5eed0003-0002-4000-8000-000000000002,5eed0003-0002-4000-8000-000000000003}', 0.9,
 'Conducteur de travaux et chef d''équipe pose habitués des collèges occupés.', false, false, true, '2024-12-16 09:26:41+01'),
('5eed0009-0002-4000-8000-000000000003', '5eed0001-0002-4000-8000-000000000001', '5eed0007-0002-4000-8000-000000000001', 'REQ-03',
 '{5eed0003-0002-4000-8000-000000000009,5eed0003-0002-4000-8000-000000000006,5eed0003-0002-4000-8000-000000000010}', 0.87,
 'Méthodologie type en établissement scolaire, mode opératoire site occupé et référence du lycée Livet.', true, false, true, '2024-12-16 09:26:41+01'),
('5eed0009-0002-4000-8000-000000000004', '5eed0001-0002-4000-8000-000000000001', '5eed0007-0002-4000-8000-000000000001', 'REQ-04',
 '{5eed0003-0002-4000-8000-000000000004}', 0.62,
 'Capacité de l''atelier connue ; le planning de pose par périodes de vacances est à générer.', true, false, true, '2024-12-16 09:26:42+01'),
('5eed0009-0002-4000-8000-000000000005', '5eed0001-0002-4000-8000-000000000001', '5eed0007-0002-4000-8000-000000000001', 'REQ-05',
 '{5eed0003-0002-4000-8000-000000000007}', 0.85,
 'Procédure de gestion des déchets bois et des menuiseries déposées.', false, false, true, '2024-12-16 09:26:42+01'),
('5eed0009-0002-4000-8000-000000000006', '5eed0001-0002-4000-8000-000000000001', '5eed0007-0002-4000-8000-000000000001', 'SPEC-01',
 '{5eed0003-0002-4000-8000-000000000006}', 0.78,
 'Fiche technique de la fenêtre bois-aluminium Uw 1,3 jointe au mode opératoire.', false, false, true, '2024-12-16 09:26:43+01'),
-- Énergie Bâtiment Sud
('5eed0009-0003-4000-8000-000000000001', '5eed0001-0003-4000-8000-000000000001', '5eed0007-0003-4000-8000-000000000001', 'REQ-01',
 '{5eed0003-0003-4000-8000-000000000001,5eed0003-0003-4000-8000-000000000010}', 0.95,
 'Présentation de l''entreprise et référence d''un EHPAD occupé rénové en 2024.', false, false, true, '2025-03-18 10:39:12+01'),
('5eed0009-0003-4000-8000-000000000002', '5eed0001-0003-4000-8000-000000000001', '5eed0007-0003-4000-8000-000000000001', 'REQ-02',
 '{5eed0003-0003-4000-8000-000000000003,5eed0003-0003-4000-8000-000000000002,5eed0003-0003-4000-8000-000000000008}', 0.89,
 'CV du conducteur de travaux (attestation d''aptitude fluides) et de l''ingénieure études, certification RGE QualiPAC.', false, false, true, '2025-03-18 10:39:13+01'),
('5eed0009-0003-4000-8000-000000000003', '5eed0001-0003-4000-8000-000000000001', '5eed0007-0003-4000-8000-000000000001', 'REQ-03',
 '{5eed0003-0003-4000-8000-000000000009,5eed0003-0003-4000-8000-000000000005}', 0.76,
 'Méthodologie type de remplacement de production en site occupé et outillage sans point chaud.', true, false, true, '2025-03-18 10:39:13+01'),
('5eed0009-0003-4000-8000-000000000004', '5eed0001-0003-4000-8000-000000000001', '5eed0007-0003-4000-8000-000000000001', 'REQ-04',
 '{5eed0003-0003-4000-8000-000000000006}', 0.84,
 'Procédure de désinfection des réseaux et de prévention des légionelles ; le volet aspergillaire est à compléter.', true, false, false, '2025-03-18 10:39:14+01'),
('5eed0009-0003-4000-8000-000000000005', '5eed0001-0003-4000-8000-000000000001', '5eed0007-0003-4000-8000-000000000001', 'REQ-05',
 '{5eed0003-0003-4000-8000-000000000004}', 0.58,
 'Matériel de mesure pour la mise en service ; la démarche qualité complète est à rédiger.', true, false, false, '2025-03-18 10:39:14+01'),
('5eed0009-0003-4000-8000-000000000006', '5eed0001-0003-4000-8000-000000000001', '5eed0007-0003-4000-8000-000000000001', 'REQ-06',
 '{}', 0.2,
 'Aucune référence de pompe à chaleur CO₂ pour l''ECS : variante à rédiger ou à abandonner.', true, false, false, '2025-03-18 10:39:15+01'),
('5eed0009-0003-4000-8000-000000000007', '5eed0001-0003-4000-8000-000000000001', '5eed0007-0003-4000-8000-000000000001', 'SPEC-03',
 '{}', NULL,
 'La note de calcul de la production provisoire doit être produite par le bureau d''études et déposée.', false, true, false, '2025-03-18 10:39:15+01')
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- generation_requests: completed, failed, pending and in progress
-- ---------------------------------------------------------------------------
INSERT INTO public.generation_requests (id, company_id, project_id, section_type, status, request_context, generated_content, quality_score, model_used, tokens_used, cost_usd, latency_seconds, error_message, created_at, completed_at) VALUES
-- Bâtiments Rhône-Alpes Construction
('5eed000a-0001-4000-8000-000000000001', '5eed0001-0001-4000-8000-000000000001', '5eed0007-0001-4000-8000-000000000001',
 'methodologie', 'completed',
 '{"requirement_ids": ["REQ-04"], "source_blocks": ["5eed0003-0001-4000-8000-000000000009", "5eed0003-0001-4000-8000-000000000004"], "past_projects": ["5eed0005-0001-4000-8000-000000000001"], "pages_cibles": 6, "temperature": 0.4}',
 'Le gros œuvre du groupe scolaire sera réalisé en quatre phases. La préparation (4 semaines) permettra de finaliser les plans d''exécution, le plan d''installation de chantier et le plan de levage de notre grue Potain MDT 219, implantée au nord de la parcelle pour couvrir l''école et le gymnase sans survoler la voie publique.
Les fondations seront réalisées en semelles filantes conformément à l''étude G2 PRO, puis les voiles seront coulés en banches métalliques avec un béton CEM III/A, ce qui porte à 42 % la part de ciment bas carbone sur les voiles, au-delà des 30 % exigés par le RC. Les planchers en prédalles permettent de tenir un cycle de 8 jours ouvrés par niveau.
Des points d''arrêt sont prévus à la réception des fonds de fouille, des ferraillages et des coffrages ; les réservations des lots techniques sont validées en réunion de synthèse hebdomadaire avant chaque coulage.',
 0.86, 'claude-3-5-sonnet-20241022', 7412, 0.061230, 41.7, NULL, '2025-02-25 09:12:04+01', '2025-02-25 09:12:46+01'),
('5eed000a-0001-4000-8000-000000000002', '5eed0001-0001-4000-8000-000000000001', '5eed0007-0001-4000-8000-000000000001',
 'securite', 'completed',
 '{"requirement_ids": ["REQ-05"], "source_blocks": ["5eed0003-0001-4000-8000-000000000006"], "template_id": "5eed0006-0001-4000-8000-000000000003", "temperature": 0.4}',
 'Le chantier s''inscrit dans un quartier habité, à proximité immédiate du collège Jean Vilar. La zone de travaux sera close par une palissade pleine de 2 m ; les livraisons seront interdites de 7 h 45 à 8 h 30 et de 16 h 15 à 17 h, aux heures d''entrée et de sortie des élèves. Le PPSPS sera remis au coordonnateur SPS, Bureau Alpes Coordination, sous 30 jours.
Les nuisances sonores seront limitées par l''emploi de vibreurs haute fréquence et l''interdiction de travaux bruyants avant 7 h 30. Un registre des plaintes sera tenu à la disposition des riverains, et un point d''information mensuel sera organisé avec le conseil de quartier.',
 0.79, 'claude-3-5-sonnet-20241022', 5218, 0.042180, 29.3, NULL, '2025-02-25 09:20:11+01', '2025-02-25 09:20:41+01'),
('5eed000a-0001-4000-8000-000000000003', '5eed0001-0001-4000-8000-000000000001', '5eed0007-0001-4000-8000-000000000001',
 'planning', 'failed',
 '{"requirement_ids": ["REQ-07"], "source_blocks": [], "duree_travaux_mois": 18, "temperature": 0.2}',
 NULL, NULL, 'claude-3-5-sonnet-20241022', 0, 0.000000, 120.0,
 'Délai dépassé : aucune réponse du modèle après 120 s (HTTP 504 Gateway Timeout). Requête à relancer.',
 '2025-02-25 09:31:55+01', '2025-02-25 09:33:55+01'),
('5eed000a-0001-4000-8000-000000000004', '5eed0001-0001-4000-8000-000000000001', '5eed0007-0001-4000-8000-000000000001',
 'planning', 'completed',
 '{"requirement_ids": ["REQ-07"], "source_blocks": [], "duree_travaux_mois": 18, "temperature": 0.2, "relance_de": "5eed000a-0001-4000-8000-000000000003"}',
 'Durée du lot 02 : 11 mois sur les 18 mois de l''opération, dont 1 mois de préparation.
Mois 1 : préparation, installation de chantier et montage de la grue.
Mois 2 et 3 : terrassements complémentaires, fondations et réseaux sous dallage.
Mois 4 à 9 : superstructure de l''école (cycle de 8 jours par niveau), puis du gymnase.
Mois 10 : acrotères, édicules, reprises et réservations tardives.
Mois 11 : repli de la grue, réception du gros œuvre et levée des réserves.',
 0.74, 'claude-3-5-sonnet-20241022', 3980, 0.031470, 22.8, NULL, '2025-02-25 09:40:02+01', '2025-02-25 09:40:25+01'),
('5eed000a-0001-4000-8000-000000000005', '5eed0001-0001-4000-8000-000000000001', '5eed0007-0001-4000-8000-000000000001',
 'environnement', 'pending',
 '{"requirement_ids": ["REQ-06"], "source_blocks": ["5eed0003-0001-4000-8000-000000000007"], "temperature": 0.4}',
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, '2025-03-10 14:25:18+01', NULL),
-- Menuiseries Durand & Fils
('5eed000a-0002-4000-8000-000000000001', '5eed0001-0002-4000-8000-000000000001', '5eed0007-0002-4000-8000-000000000001',
 'methodologie', 'completed',
 '{"requirement_ids": ["REQ-03"], "source_blocks": ["5eed0003-0002-4000-8000-000000000009", "5eed0003-0002-4000-8000-000000000006", "5eed0003-0002-4000-8000-000000000010"], "template_id": "5eed0006-0002-4000-8000-000000000001", "temperature": 0.3}',
 'Les 310 menuiseries du collège Anne de Bretagne seront fabriquées dans notre atelier de Nantes après un relevé de cotes de chaque baie pendant la période de préparation. Un prototype sera présenté au maître d''œuvre en semaine 3 ; la fabrication ne sera lancée qu''après sa validation.
La pose sera réalisée par deux équipes de deux compagnons, à raison d''un local par jour et par équipe, pendant les vacances d''hiver, de printemps et d''été 2025. Chaque salle est rendue close et nettoyée le soir même ; aucune intervention bruyante n''a lieu en période scolaire.',
 0.88, 'gpt-4o-2024-08-06', 6120, 0.048300, 33.2, NULL, '2024-12-18 10:02:11+01', '2024-12-18 10:02:45+01'),
('5eed000a-0002-4000-8000-000000000002', '5eed0001-0002-4000-8000-000000000001', '5eed0007-0002-4000-8000-000000000001',
 'planning', 'failed',
 '{"requirement_ids": ["REQ-04"], "source_blocks": ["5eed0003-0002-4000-8000-000000000004"], "template_id": "5eed0006-0002-4000-8000-000000000002", "temperature": 0.2}',
 NULL, NULL, 'gpt-4o-2024-08-06', 1830, 0.009150, 14.6,
 'Réponse rejetée : le planning généré ne respecte pas le format attendu (JSON invalide à la ligne 12).',
 '2024-12-18 10:10:40+01', '2024-12-18 10:10:55+01'),
('5eed000a-0002-4000-8000-000000000003', '5eed0001-0002-4000-8000-000000000001', '5eed0007-0002-4000-8000-000000000001',
 'planning', 'completed',
 '{"requirement_ids": ["REQ-04"], "source_blocks": ["5eed0003-0002-4000-8000-000000000004"], "template_id": "5eed0006-0002-4000-8000-000000000002", "temperature": 0.1, "relance_de": "5eed000a-0002-4000-8000-000000000002"}',
 'Préparation et relevés : 4 semaines à compter de l''ordre de service. Prototype : semaine 3. Fabrication : 60 menuiseries par semaine à partir de la semaine 6. Pose : vacances d''hiver (façade nord, 80 menuiseries), vacances de printemps (façade est, 90 menuiseries), été 2025 (façades sud et ouest, 140 menuiseries). Réception : 22 août 2025.',
 0.81, 'gpt-4o-2024-08-06', 2950, 0.021900, 12.4, NULL, '2024-12-18 10:12:03+01', '2024-12-18 10:12:16+01'),
('5eed000a-0002-4000-8000-000000000004', '5eed0001-0002-4000-8000-000000000001', '5eed0007-0002-4000-8000-000000000001',
 'environnement', 'completed',
 '{"requirement_ids": ["REQ-05"], "source_blocks": ["5eed0003-0002-4000-8000-000000000007"], "template_id": "5eed0006-0002-4000-8000-000000000003", "temperature": 0.4}',
 'Nos bois sont certifiés PEFC. Les 310 menuiseries déposées seront démantelées dans notre atelier : le verre sera repris par une filière de recyclage du verre plat, l''aluminium refondu et le bois non traité valorisé dans notre chaufferie biomasse. Les bois traités seront évacués en installation de stockage de déchets dangereux avec bordereau. Taux de valorisation visé : 85 %.',
 0.84, 'gpt-4o-2024-08-06', 2410, 0.017600, 10.9, NULL, '2024-12-18 10:20:30+01', '2024-12-18 10:20:41+01'),
-- Énergie Bâtiment Sud
('5eed000a-0003-4000-8000-000000000001', '5eed0001-0003-4000-8000-000000000001', '5eed0007-0003-4000-8000-000000000001',
 'methodologie', 'completed',
 '{"requirement_ids": ["REQ-03"], "source_blocks": ["5eed0003-0003-4000-8000-000000000009", "5eed0003-0003-4000-8000-000000000005"], "template_id": "5eed0006-0003-4000-8000-000000000001", "past_projects": ["5eed0005-0003-4000-8000-000000000001"], "temperature": 0.4}',
 'Les travaux du lot 09 se dérouleront sans interruption du chauffage ni de l''eau chaude sanitaire pour les 110 résidents. Une chaudière mobile de 350 kW sera raccordée sur des piquages en attente et mise en service avant toute dépose de l''ancienne production.
Les nouvelles pompes à chaleur seront installées en toiture terrasse, et les raccordements réalisés par sertissage, sans point chaud ni permis de feu. Les basculements auront lieu de nuit, entre 22 h et 5 h, après information de la direction de l''établissement, avec un technicien d''astreinte présent jusqu''au retour des températures de consigne.',
 0.83, 'claude-3-5-sonnet-20241022', 6870, 0.056920, 38.1, NULL, '2025-03-20 15:02:44+01', '2025-03-20 15:03:23+01'),
('5eed000a-0003-4000-8000-000000000002', '5eed0001-0003-4000-8000-000000000001', '5eed0007-0003-4000-8000-000000000001',
 'securite', 'completed',
 '{"requirement_ids": ["REQ-04"], "source_blocks": ["5eed0003-0003-4000-8000-000000000006"], "template_id": "5eed0006-0003-4000-8000-000000000003", "temperature": 0.3}',
 'Les zones de travaux situées dans les étages de résidents seront confinées par des cloisons étanches et des sas, et maintenues en dépression pour prévenir le risque aspergillaire. Les réseaux d''eau neufs ou modifiés seront désinfectés par choc chloré avant remise en eau, avec prélèvements par un laboratoire accrédité COFRAC ; la température de bouclage sera contrôlée chaque semaine et maintenue au-dessus de 50 °C en tout point.',
 0.77, 'claude-3-5-sonnet-20241022', 4460, 0.036110, 26.5, NULL, '2025-03-20 15:10:02+01', '2025-03-20 15:10:29+01'),
('5eed000a-0003-4000-8000-000000000003', '5eed0001-0003-4000-8000-000000000001', '5eed0007-0003-4000-8000-000000000001',
 'methodologie', 'failed',
 '{"requirement_ids": ["REQ-06"], "source_blocks": [], "temperature": 0.5}',
 NULL, NULL, 'claude-3-5-sonnet-20241022', 2104, 0.015800, 17.2,
 'Contenu rejeté par le contrôle qualité : aucune source de la bibliothèque, les performances annoncées pour la PAC CO₂ ne sont pas vérifiables.',
 '2025-03-20 15:15:40+01', '2025-03-20 15:15:58+01'),
('5eed000a-0003-4000-8000-000000000004', '5eed0001-0003-4000-8000-000000000001', '5eed0007-0003-4000-8000-000000000001',
 'qualite', 'in_progress',
 '{"requirement_ids": ["REQ-05"], "source_blocks": ["5eed0003-0003-4000-8000-000000000004"], "template_id": "5eed0006-0003-4000-8000-000000000002", "temperature": 0.4}',
 NULL, NULL, 'claude-3-5-sonnet-20241022', NULL, NULL, NULL, NULL, '2025-04-02 11:35:50+02', NULL),
('5eed000a-0003-4000-8000-000000000005', '5eed0001-0003-4000-8000-000000000001', '5eed0007-0003-4000-8000-000000000001',
 'moyens_humains', 'pending',
 '{"requirement_ids": ["REQ-02"], "source_blocks": ["5eed0003-0003-4000-8000-000000000003", "5eed0003-0003-4000-8000-000000000002"], "temperature": 0.4}',
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, '2025-04-02 11:36:01+02', NULL)
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- sections: the mémoire of each project (section_type uses the memoire_section_type labels)
-- ---------------------------------------------------------------------------
INSERT INTO public.sections (id, project_id, company_id, section_type, title, content, position, created_at, generated_by_ai, source_blocks, quality_score, reviewed, reviewer_id, reviewed_at) VALUES
-- Bâtiments Rhône-Alpes Construction: under review
('5eed000b-0001-4000-8000-000000000001', '5eed0007-0001-4000-8000-000000000001', '5eed0001-0001-4000-8000-000000000001',
 'presentation', 'Présentation de l''entreprise et références',
 'Fondée en 1994 à Lyon, Bâtiments Rhône-Alpes Construction emploie 185 salariés, dont 130 compagnons. Nous avons réalisé en 2023 le gros œuvre du groupe scolaire Simone Veil à Villeurbanne (12 classes, 2,85 M€ HT), livré avec trois semaines d''avance.',
 1, '2025-02-25 08:50:00+01', false,
 '{5eed0003-0001-4000-8000-000000000001,5eed0003-0001-4000-8000-000000000010}', 0.9, true, '5eed0002-0001-4000-8000-000000000001', '2025-03-03 10:15:00+01'),
('5eed000b-0001-4000-8000-000000000002', '5eed0007-0001-4000-8000-000000000001', '5eed0001-0001-4000-8000-000000000001',
 'moyens_humains', 'Moyens humains affectés au chantier',
 'Conducteur de travaux : Jean-Marc Perrin, 15 ans d''expérience, dont quatre groupes scolaires. Cheffe de chantier : Nadia Rahmani, 12 ans d''expérience, référente béton bas carbone. Effectif de pointe : 14 compagnons pendant la superstructure.',
 2, '2025-02-25 08:55:00+01', false,
 '{5eed0003-0001-4000-8000-000000000002,5eed0003-0001-4000-8000-000000000003}', 0.88, true, '5eed0002-0001-4000-8000-000000000001', '2025-03-03 10:20:00+01'),
('5eed000b-0001-4000-8000-000000000003', '5eed0007-0001-4000-8000-000000000001', '5eed0001-0001-4000-8000-000000000001',
 'moyens_materiels', 'Moyens matériels',
 'Grue à tour Potain MDT 219 J10 (65 m de flèche, 10 t), propriété de l''entreprise, avec anticollision et limitation de zone ; 620 m² de banches métalliques avec passerelles intégrées.',
 3, '2025-02-25 09:00:00+01', false,
 '{5eed0003-0001-4000-8000-000000000004,5eed0003-0001-4000-8000-000000000005}', NULL, true, '5eed0002-0001-4000-8000-000000000002', '2025-03-04 16:05:00+01'),
('5eed000b-0001-4000-8000-000000000004', '5eed0007-0001-4000-8000-000000000001', '5eed0001-0001-4000-8000-000000000001',
 'methodologie', 'Méthodologie d''exécution du gros œuvre',
 'Le gros œuvre du groupe scolaire sera réalisé en quatre phases. Les voiles seront coulés en banches métalliques avec un béton CEM III/A (42 % de ciment bas carbone sur les voiles) ; les planchers en prédalles permettent un cycle de 8 jours ouvrés par niveau. Des points d''arrêt sont prévus à la réception des fonds de fouille, des ferraillages et des coffrages.',
 4, '2025-02-25 09:13:00+01', true,
 '{5eed0003-0001-4000-8000-000000000009,5eed0003-0001-4000-8000-000000000004}', 0.86, true, '5eed0002-0001-4000-8000-000000000002', '2025-03-05 18:30:00+01'),
('5eed000b-0001-4000-8000-000000000005', '5eed0007-0001-4000-8000-000000000001', '5eed0001-0001-4000-8000-000000000001',
 'securite', 'Sécurité et gestion des nuisances',
 'La zone de travaux sera close par une palissade pleine de 2 m ; les livraisons seront interdites aux heures d''entrée et de sortie des élèves du collège voisin. Vibreurs haute fréquence, aucun travail bruyant avant 7 h 30, registre des plaintes et point d''information mensuel avec le conseil de quartier.',
 5, '2025-02-25 09:21:00+01', true,
 '{5eed0003-0001-4000-8000-000000000006}', 0.79, false, NULL, NULL),
('5eed000b-0001-4000-8000-000000000006', '5eed0007-0001-4000-8000-000000000001', '5eed0001-0001-4000-8000-000000000001',
 'planning', 'Planning prévisionnel du lot 02',
 'Durée du lot 02 : 11 mois, dont 1 mois de préparation. Fondations aux mois 2 et 3, superstructure de l''école puis du gymnase aux mois 4 à 9, réception du gros œuvre au mois 11.',
 6, '2025-02-25 09:41:00+01', true,
 '{}', 0.74, false, NULL, NULL),
-- Menuiseries Durand & Fils: submitted, all reviewed
('5eed000b-0002-4000-8000-000000000001', '5eed0007-0002-4000-8000-000000000001', '5eed0001-0002-4000-8000-000000000001',
 'presentation', 'Présentation de l''entreprise',
 'Entreprise familiale fondée en 1978, Menuiseries Durand & Fils fabrique dans son atelier nantais de 3 500 m² les menuiseries qu''elle pose. 46 salariés, certification RGE Qualibat 3512, bois certifiés PEFC.',
 1, '2024-12-17 14:00:00+01', false,
 '{5eed0003-0002-4000-8000-000000000001,5eed0003-0002-4000-8000-000000000008}', 0.92, true, '5eed0002-0002-4000-8000-000000000001', '2025-01-28 09:30:00+01'),
('5eed000b-0002-4000-8000-000000000002', '5eed0007-0002-4000-8000-000000000001', '5eed0001-0002-4000-8000-000000000001',
 'moyens_humains', 'Moyens humains et encadrement',
 'Antoine Durand, conducteur de travaux (11 ans d''expérience, plus de 2 000 fenêtres posées en établissements scolaires occupés) ; Loïc Bernard, chef d''équipe pose (22 ans d''expérience, opérateur SS4). Deux équipes de deux poseurs.',
 2, '2024-12-17 14:20:00+01', false,
 '{5eed0003-0002-4000-8000-000000000002,5eed0003-0002-4000-8000-000000000003}', 0.9, true, '5eed0002-0002-4000-8000-000000000001', '2025-01-28 09:45:00+01'),
('5eed000b-0002-4000-8000-000000000003', '5eed0007-0002-4000-8000-000000000001', '5eed0001-0002-4000-8000-000000000001',
 'methodologie', 'Méthodologie de fabrication et de pose en site occupé',
 'Les 310 menuiseries seront fabriquées dans notre atelier après relevé de cotes de chaque baie ; prototype présenté au maître d''œuvre en semaine 3. Pose par deux équipes, un local par jour et par équipe, pendant les vacances scolaires ; chaque salle est rendue close et nettoyée le soir même.',
 3, '2024-12-18 10:03:00+01', true,
 '{5eed0003-0002-4000-8000-000000000009,5eed0003-0002-4000-8000-000000000006,5eed0003-0002-4000-8000-000000000010}', 0.88, true, '5eed0002-0002-4000-8000-000000000003', '2025-01-27 17:10:00+01'),
('5eed000b-0002-4000-8000-000000000004', '5eed0007-0002-4000-8000-000000000001', '5eed0001-0002-4000-8000-000000000001',
 'planning', 'Planning de fabrication et de pose',
 'Préparation et relevés : 4 semaines. Prototype : semaine 3. Fabrication : 60 menuiseries par semaine. Pose : vacances d''hiver (façade nord), de printemps (façade est) et d''été 2025 (façades sud et ouest). Réception le 22 août 2025.',
 4, '2024-12-18 10:13:00+01', true,
 '{5eed0003-0002-4000-8000-000000000004}', 0.81, true, '5eed0002-0002-4000-8000-000000000003', '2025-01-27 17:25:00+01'),
('5eed000b-0002-4000-8000-000000000005', '5eed0007-0002-4000-8000-000000000001', '5eed0001-0002-4000-8000-000000000001',
 'environnement', 'Démarche environnementale',
 'Bois certifiés PEFC ; menuiseries déposées démantelées dans notre atelier, verre, aluminium et bois repris par des filières de recyclage ; bois traités évacués en ISDD avec bordereau. Taux de valorisation visé : 85 %.',
 5, '2024-12-18 10:21:00+01', true,
 '{5eed0003-0002-4000-8000-000000000007}', 0.84, true, '5eed0002-0002-4000-8000-000000000001', '2025-01-28 10:05:00+01'),
-- Énergie Bâtiment Sud: under review
('5eed000b-0003-4000-8000-000000000001', '5eed0007-0003-4000-8000-000000000001', '5eed0001-0003-4000-8000-000000000001',
 'presentation', 'Présentation de l''entreprise et références en établissements de santé',
 'Énergie Bâtiment Sud, créée en 2003 à Marseille, 72 salariés dont un bureau d''études fluides de 8 personnes. En 2024, nous avons rénové le chauffage, la ventilation et l''eau chaude sanitaire de l''EHPAD Les Oliviers à Aubagne sans interruption de service pour ses 92 résidents.',
 1, '2025-03-19 09:00:00+01', false,
 '{5eed0003-0003-4000-8000-000000000001,5eed0003-0003-4000-8000-000000000010}', 0.91, true, '5eed0002-0003-4000-8000-000000000001', '2025-03-27 11:00:00+01'),
('5eed000b-0003-4000-8000-000000000002', '5eed0007-0003-4000-8000-000000000001', '5eed0001-0003-4000-8000-000000000001',
 'methodologie', 'Méthodologie et continuité de service',
 'Chaudière mobile de 350 kW mise en service avant toute dépose, pompes à chaleur en toiture terrasse, raccordements sertis sans point chaud, basculements de nuit entre 22 h et 5 h avec technicien d''astreinte.',
 2, '2025-03-20 15:04:00+01', true,
 '{5eed0003-0003-4000-8000-000000000009,5eed0003-0003-4000-8000-000000000005}', 0.83, true, '5eed0002-0003-4000-8000-000000000003', '2025-03-28 18:15:00+01'),
('5eed000b-0003-4000-8000-000000000003', '5eed0007-0003-4000-8000-000000000001', '5eed0001-0003-4000-8000-000000000001',
 'securite', 'Hygiène : légionelle et aspergillose',
 'Confinement des zones de travaux par cloisons étanches et sas en dépression ; désinfection des réseaux neufs par choc chloré et prélèvements COFRAC avant remise en eau ; contrôle hebdomadaire de la température de bouclage (au moins 50 °C).',
 3, '2025-03-20 15:11:00+01', true,
 '{5eed0003-0003-4000-8000-000000000006}', 0.77, false, NULL, NULL),
('5eed000b-0003-4000-8000-000000000004', '5eed0007-0003-4000-8000-000000000001', '5eed0001-0003-4000-8000-000000000001',
 'moyens_humains', 'Moyens humains et qualifications',
 NULL,
 4, '2025-04-02 11:36:05+02', false,
 '{}', NULL, false, NULL, NULL)
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- memoires: past mémoires of each company, the RAG corpus
-- ---------------------------------------------------------------------------
INSERT INTO public.memoires (id, company_id, title, filename, file_url, content, created_at, uploaded_by, project_type, techniques_used, metadata) VALUES
('5eed000c-0001-4000-8000-000000000001', '5eed0001-0001-4000-8000-000000000001',
 'Mémoire technique – Groupe scolaire Simone Veil, Villeurbanne – Lot 02 Gros œuvre',
 'MT_GS_Simone_Veil_Lot02_2022.pdf', 's3://memtech-dev/companies/brac/memoires/2022/mt-gs-simone-veil-lot02.pdf',
 'Présentation de l''entreprise
Bâtiments Rhône-Alpes Construction, entreprise de gros œuvre fondée en 1994, 170 salariés.

Méthodologie
Voiles en béton banché, planchers en prédalles, cycle d''étage de 8 jours ouvrés. Béton CEM III/A pour les voiles et les fondations.

Sécurité
Garde-corps périphériques posés avant tout coulage de plancher, filets en sous-face, accueil sécurité de chaque intervenant.

Planning
Gros œuvre en 14 mois, préparation comprise.',
 '2024-09-20 10:00:00+02', '5eed0002-0001-4000-8000-000000000003', 'Établissement scolaire – construction neuve',
 '{"voiles béton banché","planchers prédalles","béton bas carbone CEM III/A"}',
 '{"resultat": "attribué", "note_technique_sur_20": 17.5, "rang": 1, "annee": 2022, "acheteur": "Ville de Villeurbanne"}'),
('5eed000c-0001-4000-8000-000000000002', '5eed0001-0001-4000-8000-000000000001',
 'Mémoire technique – Résidence étudiante Jean Jaurès, Lyon 7e',
 'MT_Residence_Jean_Jaures_2021.pdf', 's3://memtech-dev/companies/brac/memoires/2021/mt-residence-jean-jaures.pdf',
 'Installation de chantier
Emprise limitée au trottoir de l''avenue Jean Jaurès ; grue à tour implantée dans la future cage d''ascenseur, livraisons entre 9 h et 11 h 30.

Gros œuvre
Parois moulées pour le sous-sol, voiles banchés et planchers dalles pleines en superstructure, escaliers préfabriqués.

Relations riveraines
Lettre d''information mensuelle, interlocuteur unique joignable en journée.',
 '2024-09-20 10:20:00+02', '5eed0002-0001-4000-8000-000000000002', 'Logement collectif – construction neuve',
 '{"parois moulées","voiles béton banché","escaliers préfabriqués"}',
 '{"resultat": "attribué", "note_technique_sur_20": 16, "annee": 2021, "acheteur": "Lyon Métropole Habitat"}'),
('5eed000c-0002-4000-8000-000000000001', '5eed0001-0002-4000-8000-000000000001',
 'Mémoire technique – Lycée Livet, Nantes – remplacement des menuiseries extérieures',
 'MT Lycée Livet menuiseries v2.pdf', 's3://memtech-dev/companies/durand/memoires/2022/mt-lycee-livet-menuiseries-v2.pdf',
 'Présentation
Menuiseries Durand & Fils, fabricant-poseur nantais depuis 1978.

Méthodologie de pose
Un local par jour et par équipe, rendu clos le soir ; pose pendant les vacances scolaires uniquement.

Performances
Fenêtres bois-aluminium, Uw 1,3 W/m².K, triple vitrage acoustique côté boulevard.',
 '2024-10-24 15:00:00+02', '5eed0002-0002-4000-8000-000000000003', 'Établissement scolaire – réhabilitation',
 '{"menuiseries bois-aluminium","triple vitrage acoustique","pose en dépose totale"}',
 '{"resultat": "attribué", "note_technique_sur_20": 18, "annee": 2022, "acheteur": "Région Pays de la Loire"}'),
('5eed000c-0002-4000-8000-000000000002', '5eed0001-0002-4000-8000-000000000001',
 'Mémoire technique – Halle du marché de Rezé – charpente bois',
 'MT_Halle_Reze_charpente.pdf', 's3://memtech-dev/companies/durand/memoires/2021/mt-halle-reze-charpente.pdf',
 NULL,
 '2024-10-24 15:10:00+02', '5eed0002-0002-4000-8000-000000000001', 'Équipement public – construction neuve',
 '{"lamellé-collé douglas"}',
 '{"resultat": "attribué", "annee": 2021, "a_analyser": true}'),
('5eed000c-0003-4000-8000-000000000001', '5eed0001-0003-4000-8000-000000000001',
 'Mémoire technique – EHPAD Les Oliviers, Aubagne – CVC et plomberie',
 'MT_EHPAD_Oliviers_CVC_2023.pdf', 's3://memtech-dev/companies/ebs/memoires/2023/mt-ehpad-oliviers-cvc.pdf',
 'Continuité de service
Chaudière mobile raccordée avant dépose, basculements de nuit, astreinte 24 h/24.

Hygiène
Désinfection des réseaux par choc chloré, prélèvements légionelles par laboratoire accrédité, confinement des zones de travaux.

Mise en service
Équilibrage des réseaux, réglage de la régulation, formation du personnel technique de l''établissement.',
 '2024-11-20 09:00:00+01', '5eed0002-0003-4000-8000-000000000002', 'Établissement de santé – réhabilitation',
 '{"pompe à chaleur air/eau","chaudière gaz à condensation","ventilation double flux"}',
 '{"resultat": "attribué", "note_technique_sur_20": 17, "annee": 2023, "acheteur": "Association Les Oliviers"}'),
('5eed000c-0003-4000-8000-000000000002', '5eed0001-0003-4000-8000-000000000001',
 'Mémoire technique – Cité scolaire Vauvenargues, Aix-en-Provence – chaufferie bois',
 'MT_Vauvenargues_chaufferie_bois.pdf', 's3://memtech-dev/companies/ebs/memoires/2022/mt-vauvenargues-chaufferie-bois.pdf',
 'Production de chaleur
Chaudière à granulés de 400 kW, silo de 60 m³ alimenté par camion souffleur, appoint gaz existant conservé.

Planning
Travaux concentrés sur les vacances d''été, chauffage disponible à la rentrée de septembre.',
 '2024-11-20 09:15:00+01', '5eed0002-0003-4000-8000-000000000001', 'Établissement scolaire – réhabilitation',
 '{"chaudière granulés","réseau de chaleur enterré"}',
 '{"resultat": "non retenu", "note_technique_sur_20": 14.5, "rang": 2, "annee": 2021, "acheteur": "Région Sud Provence-Alpes-Côte d''Azur"}')
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- document_chunks: pieces of the parsed memoires (no embedding yet)
-- ---------------------------------------------------------------------------
INSERT INTO public.document_chunks (id, memoire_id, chunk_index, content, embedding, metadata, created_at) VALUES
('5eed000d-0001-4000-8000-000000000001', '5eed000c-0001-4000-8000-000000000001', 0,
 'Bâtiments Rhône-Alpes Construction, entreprise de gros œuvre fondée en 1994, 170 salariés.',
 NULL, '{"page": 2, "section": "Présentation de l''entreprise"}', '2024-09-20 10:00:30+02'),
('5eed000d-0001-4000-8000-000000000002', '5eed000c-0001-4000-8000-000000000001', 1,
 'Voiles en béton banché, planchers en prédalles, cycle d''étage de 8 jours ouvrés. Béton CEM III/A pour les voiles et les fondations.',
 NULL, '{"page": 5, "section": "Méthodologie"}', '2024-09-20 10:00:30+02'),
('5eed000d-0001-4000-8000-000000000003', '5eed000c-0001-4000-8000-000000000001', 2,
 'Garde-corps périphériques posés avant tout coulage de plancher, filets en sous-face, accueil sécurité de chaque intervenant.',
 NULL, '{"page": 9, "section": "Sécurité"}', '2024-09-20 10:00:31+02'),
('5eed000d-0001-4000-8000-000000000004', '5eed000c-0001-4000-8000-000000000001', 3,
 'Gros œuvre en 14 mois, préparation comprise.',
 NULL, '{"page": 12, "section": "Planning"}', '2024-09-20 10:00:31+02'),
('5eed000d-0001-4000-8000-000000000005', '5eed000c-0001-4000-8000-000000000002', 0,
 'Emprise limitée au trottoir de l''avenue Jean Jaurès ; grue à tour implantée dans la future cage d''ascenseur, livraisons entre 9 h et 11 h 30.',
 NULL, '{"page": 3, "section": "Installation de chantier"}', '2024-09-20 10:20:40+02'),
('5eed000d-0001-4000-8000-000000000006', '5eed000c-0001-4000-8000-000000000002', 1,
 'Parois moulées pour le sous-sol, voiles banchés et planchers dalles pleines en superstructure, escaliers préfabriqués.',
 NULL, '{"page": 5, "section": "Gros œuvre"}', '2024-09-20 10:20:40+02'),
('5eed000d-0001-4000-8000-000000000007', '5eed000c-0001-4000-8000-000000000002', 2,
 'Lettre d''information mensuelle, interlocuteur unique joignable en journée.',
 NULL, '{"page": 8, "section": "Relations riveraines"}', '2024-09-20 10:20:41+02'),
('5eed000d-0002-4000-8000-000000000001', '5eed000c-0002-4000-8000-000000000001', 0,
 'Menuiseries Durand & Fils, fabricant-poseur nantais depuis 1978.',
 NULL, '{"page": 1, "section": "Présentation"}', '2024-10-24 15:00:20+02'),
('5eed000d-0002-4000-8000-000000000002', '5eed000c-0002-4000-8000-000000000001', 1,
 'Un local par jour et par équipe, rendu clos le soir ; pose pendant les vacances scolaires uniquement.',
 NULL, '{"page": 4, "section": "Méthodologie de pose"}', '2024-10-24 15:00:20+02'),
('5eed000d-0002-4000-8000-000000000003', '5eed000c-0002-4000-8000-000000000001', 2,
 'Fenêtres bois-aluminium, Uw 1,3 W/m².K, triple vitrage acoustique côté boulevard.',
 NULL, '{"page": 6, "section": "Performances"}', '2024-10-24 15:00:21+02'),
('5eed000d-0003-4000-8000-000000000001', '5eed000c-0003-4000-8000-000000000001', 0,
 'Chaudière mobile raccordée avant dépose, basculements de nuit, astreinte 24 h/24.',
 NULL, '{"page": 3, "section": "Continuité de service"}', '2024-11-20 09:00:25+01'),
('5eed000d-0003-4000-8000-000000000002', '5eed000c-0003-4000-8000-000000000001', 1,
 'Désinfection des réseaux par choc chloré, prélèvements légionelles par laboratoire accrédité, confinement des zones de travaux.',
 NULL, '{"page": 6, "section": "Hygiène"}', '2024-11-20 09:00:25+01'),
('5eed000d-0003-4000-8000-000000000003', '5eed000c-0003-4000-8000-000000000001', 2,
 'Équilibrage des réseaux, réglage de la régulation, formation du personnel technique de l''établissement.',
 NULL, '{"page": 9, "section": "Mise en service"}', '2024-11-20 09:00:26+01'),
('5eed000d-0003-4000-8000-000000000004', '5eed000c-0003-4000-8000-000000000002', 0,
 'Chaudière à granulés de 400 kW, silo de 60 m³ alimenté par camion souffleur, appoint gaz existant conservé.',
 NULL, '{"page": 4, "section": "Production de chaleur"}', '2024-11-20 09:15:30+01'),
('5eed000d-0003-4000-8000-000000000005', '5eed000c-0003-4000-8000-000000000002', 1,
 'Travaux concentrés sur les vacances d''été, chauffage disponible à la rentrée de septembre.',
 NULL, '{"page": 7, "section": "Planning"}', '2024-11-20 09:15:30+01')
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- audit_log: a few entries of each company's trail, as the application records them (sign-ins,
-- and changes made before the rows below reached their current state)
-- ---------------------------------------------------------------------------
INSERT INTO public.audit_log (id, company_id, action, user_id, resource_type, resource_id, details, ip_address, user_agent, "timestamp") VALUES
('5eed000e-0001-4000-8000-000000000001', '5eed0001-0001-4000-8000-000000000001', 'login', '5eed0002-0001-4000-8000-000000000001',
 'users', '5eed0002-0001-4000-8000-000000000001', '{"method": "password"}', '192.0.2.14',
 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0 Safari/537.36', '2025-03-10 08:42:17+01'),
('5eed000e-0001-4000-8000-000000000002', '5eed0001-0001-4000-8000-000000000001', 'update', '5eed0002-0001-4000-8000-000000000002',
 'projects', '5eed0007-0001-4000-8000-000000000001', '{"status": {"old": "generated", "new": "reviewing"}}', '192.0.2.27',
 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_3) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15', '2025-03-03 09:58:00+01'),
('5eed000e-0001-4000-8000-000000000003', '5eed0001-0001-4000-8000-000000000001', 'update', '5eed0002-0001-4000-8000-000000000001',
 'users', '5eed0002-0001-4000-8000-000000000005', '{"is_active": {"old": true, "new": false}}', '192.0.2.14',
 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36', '2024-12-13 17:02:00+01'),
('5eed000e-0002-4000-8000-000000000001', '5eed0001-0002-4000-8000-000000000001', 'update', '5eed0002-0002-4000-8000-000000000001',
 'projects', '5eed0007-0002-4000-8000-000000000001', '{"status": {"old": "completed", "new": "submitted"}}', '198.51.100.40',
 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:134.0) Gecko/20100101 Firefox/134.0', '2025-01-30 17:42:00+01'),
('5eed000e-0002-4000-8000-000000000002', '5eed0001-0002-4000-8000-000000000001', 'update', '5eed0002-0002-4000-8000-000000000003',
 'content_matches', '5eed0009-0002-4000-8000-000000000003', '{"approved": {"old": false, "new": true}}', '198.51.100.41',
 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36', '2024-12-17 11:05:00+01'),
('5eed000e-0003-4000-8000-000000000001', '5eed0001-0003-4000-8000-000000000001', 'login', '5eed0002-0003-4000-8000-000000000002',
 'users', '5eed0002-0003-4000-8000-000000000002', '{"method": "password"}', '203.0.113.8',
 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0 Safari/537.36', '2025-04-02 11:31:40+02'),
('5eed000e-0003-4000-8000-000000000002', '5eed0001-0003-4000-8000-000000000001', 'login', '5eed0002-0003-4000-8000-000000000001',
 'users', '5eed0002-0003-4000-8000-000000000001', '{"method": "password"}', '203.0.113.21',
 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0 Safari/537.36 Edg/134.0', '2025-04-02 09:12:26+02')
ON CONFLICT DO NOTHING;

COMMIT;
