CREATE TABLE "campaign_complaints" (
	"campaign_id" bigint NOT NULL,
	"fact_id" bigint NOT NULL,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "campaign_complaints_campaign_id_fact_id_pk" PRIMARY KEY("campaign_id","fact_id")
);
--> statement-breakpoint
CREATE TABLE "campaign_fingerprints" (
	"campaign_id" bigint NOT NULL,
	"kind" text NOT NULL,
	"value" text NOT NULL,
	"senders" integer NOT NULL,
	"complaints" integer NOT NULL,
	CONSTRAINT "campaign_fingerprints_kind_value_pk" PRIMARY KEY("kind","value")
);
--> statement-breakpoint
CREATE TABLE "campaigns" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"action" text NOT NULL,
	"rule" text NOT NULL,
	"senders" jsonb NOT NULL,
	"networks" jsonb NOT NULL,
	"complaint_count" integer NOT NULL,
	"first_complaint_at" timestamp with time zone NOT NULL,
	"last_complaint_at" timestamp with time zone NOT NULL,
	"raised_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"dismissed_at" timestamp with time zone,
	"dismissed_by" text,
	"dismiss_reason" text,
	"version" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "complaint_fingerprints" (
	"fact_id" bigint NOT NULL,
	"kind" text NOT NULL,
	"value" text NOT NULL,
	"sender" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	CONSTRAINT "complaint_fingerprints_fact_id_kind_value_pk" PRIMARY KEY("fact_id","kind","value")
);
--> statement-breakpoint
ALTER TABLE "reputation_subjects" ADD COLUMN "tier" text DEFAULT 'new' NOT NULL;--> statement-breakpoint
ALTER TABLE "reputation_subjects" ADD COLUMN "tier_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "reputation_subjects" ADD COLUMN "tier_reason" text;--> statement-breakpoint
ALTER TABLE "reputation_subjects" ADD COLUMN "pinned_tier" text;--> statement-breakpoint
ALTER TABLE "reputation_subjects" ADD COLUMN "first_seen_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "reputation_subjects" ADD COLUMN "campaign_id" bigint;--> statement-breakpoint
ALTER TABLE "reputation_subjects" ADD COLUMN "campaign_action" text;--> statement-breakpoint
ALTER TABLE "reputation_subjects" ADD COLUMN "campaign_reason" text;--> statement-breakpoint
ALTER TABLE "campaign_complaints" ADD CONSTRAINT "campaign_complaints_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_complaints" ADD CONSTRAINT "campaign_complaints_fact_id_mail_facts_id_fk" FOREIGN KEY ("fact_id") REFERENCES "public"."mail_facts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_fingerprints" ADD CONSTRAINT "campaign_fingerprints_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "complaint_fingerprints" ADD CONSTRAINT "complaint_fingerprints_fact_id_mail_facts_id_fk" FOREIGN KEY ("fact_id") REFERENCES "public"."mail_facts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "campaign_fingerprints_campaign_idx" ON "campaign_fingerprints" USING btree ("campaign_id");--> statement-breakpoint
CREATE INDEX "campaigns_version_idx" ON "campaigns" USING btree ("version");--> statement-breakpoint
CREATE INDEX "campaigns_status_idx" ON "campaigns" USING btree ("status","id") WHERE "campaigns"."status" = 'active';--> statement-breakpoint
CREATE INDEX "complaint_fingerprints_at_idx" ON "complaint_fingerprints" USING btree ("occurred_at");--> statement-breakpoint
CREATE INDEX "complaint_fingerprints_value_idx" ON "complaint_fingerprints" USING btree ("kind","value");