ALTER TABLE "send_events" ADD COLUMN "fingerprint" text;--> statement-breakpoint
ALTER TABLE "campaign_fingerprints" ADD COLUMN "footing" text DEFAULT 'distinct' NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_fingerprints" ADD COLUMN "volume" integer;--> statement-breakpoint
ALTER TABLE "campaign_fingerprints" ADD COLUMN "volume_complaints" integer;--> statement-breakpoint
ALTER TABLE "campaign_fingerprints" ADD COLUMN "explanation" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "members" jsonb DEFAULT '[]'::jsonb NOT NULL;