CREATE SEQUENCE "public"."policy_version" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "daily_rollups" (
	"dimension" text NOT NULL,
	"key" text NOT NULL,
	"day" timestamp with time zone NOT NULL,
	"sent" integer DEFAULT 0 NOT NULL,
	"delivered" integer DEFAULT 0 NOT NULL,
	"complaints" integer DEFAULT 0 NOT NULL,
	"hard_bounces" integer DEFAULT 0 NOT NULL,
	"soft_bounces" integer DEFAULT 0 NOT NULL,
	"blocked" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "daily_rollups_dimension_key_day_pk" PRIMARY KEY("dimension","key","day")
);
--> statement-breakpoint
CREATE TABLE "events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"severity" text NOT NULL,
	"subject" text NOT NULL,
	"summary" text NOT NULL,
	"payload" jsonb,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "hourly_rollups" (
	"dimension" text NOT NULL,
	"key" text NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"sent" integer DEFAULT 0 NOT NULL,
	"delivered" integer DEFAULT 0 NOT NULL,
	"complaints" integer DEFAULT 0 NOT NULL,
	"hard_bounces" integer DEFAULT 0 NOT NULL,
	"soft_bounces" integer DEFAULT 0 NOT NULL,
	"blocked" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "hourly_rollups_dimension_key_hour_pk" PRIMARY KEY("dimension","key","hour")
);
--> statement-breakpoint
CREATE TABLE "mail_facts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"dedup_key" text NOT NULL,
	"kind" text NOT NULL,
	"reason" text,
	"hard_bounce" boolean DEFAULT false NOT NULL,
	"feedback_type" text,
	"counted" text NOT NULL,
	"recipient" text,
	"recipient_domain" text,
	"sender" text,
	"sender_domain" text,
	"ip" text,
	"original_message_id" text,
	"status" text,
	"diagnostic_code" text,
	"subject" text,
	"source" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"stored_at" timestamp with time zone DEFAULT now() NOT NULL,
	"details" jsonb,
	CONSTRAINT "mail_facts_dedup_key_unique" UNIQUE("dedup_key")
);
--> statement-breakpoint
CREATE TABLE "policy_audit" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"subject" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor" text NOT NULL,
	"source" text NOT NULL,
	"from_action" text,
	"to_action" text,
	"reason" text NOT NULL,
	"figures" jsonb
);
--> statement-breakpoint
CREATE TABLE "reputation_subjects" (
	"kind" text NOT NULL,
	"id" text NOT NULL,
	"auto_action" text DEFAULT 'allow' NOT NULL,
	"auto_since" timestamp with time zone,
	"auto_reason" text,
	"clear_since" timestamp with time zone,
	"override_action" text,
	"override_reason" text,
	"override_limit_per_hour" integer,
	"override_until" timestamp with time zone,
	"override_by" text,
	"sent_24h" integer DEFAULT 0 NOT NULL,
	"complaints_24h" integer DEFAULT 0 NOT NULL,
	"hard_bounces_24h" integer DEFAULT 0 NOT NULL,
	"sent_7d" integer DEFAULT 0 NOT NULL,
	"complaints_7d" integer DEFAULT 0 NOT NULL,
	"hard_bounces_7d" integer DEFAULT 0 NOT NULL,
	"sent_30d" integer DEFAULT 0 NOT NULL,
	"complaints_30d" integer DEFAULT 0 NOT NULL,
	"hard_bounces_30d" integer DEFAULT 0 NOT NULL,
	"complaint_rate_7d" double precision DEFAULT 0 NOT NULL,
	"hard_bounce_rate_7d" double precision DEFAULT 0 NOT NULL,
	"evaluated_at" timestamp with time zone,
	"version" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "reputation_subjects_kind_id_pk" PRIMARY KEY("kind","id")
);
--> statement-breakpoint
CREATE TABLE "send_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"message_id" text NOT NULL,
	"recipient_key" text NOT NULL,
	"sender" text NOT NULL,
	"sender_domain" text NOT NULL,
	"recipient_domain" text NOT NULL,
	"ip" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"outcome" text,
	"client_address" text,
	"sasl_username" text
);
--> statement-breakpoint
CREATE INDEX "daily_rollups_day_idx" ON "daily_rollups" USING btree ("dimension","day");--> statement-breakpoint
CREATE INDEX "events_at_idx" ON "events" USING btree ("at");--> statement-breakpoint
CREATE INDEX "events_type_idx" ON "events" USING btree ("type","at");--> statement-breakpoint
CREATE INDEX "hourly_rollups_hour_idx" ON "hourly_rollups" USING btree ("dimension","hour");--> statement-breakpoint
CREATE INDEX "mail_facts_sender_idx" ON "mail_facts" USING btree ("sender","occurred_at");--> statement-breakpoint
CREATE INDEX "mail_facts_domain_idx" ON "mail_facts" USING btree ("sender_domain","occurred_at");--> statement-breakpoint
CREATE INDEX "mail_facts_kind_idx" ON "mail_facts" USING btree ("kind","occurred_at");--> statement-breakpoint
CREATE INDEX "policy_audit_subject_idx" ON "policy_audit" USING btree ("kind","subject","at");--> statement-breakpoint
CREATE INDEX "subjects_complaint_rate_idx" ON "reputation_subjects" USING btree ("kind","complaint_rate_7d");--> statement-breakpoint
CREATE INDEX "subjects_bounce_rate_idx" ON "reputation_subjects" USING btree ("kind","hard_bounce_rate_7d");--> statement-breakpoint
CREATE INDEX "subjects_volume_idx" ON "reputation_subjects" USING btree ("kind","sent_30d");--> statement-breakpoint
CREATE INDEX "subjects_version_idx" ON "reputation_subjects" USING btree ("version");--> statement-breakpoint
CREATE UNIQUE INDEX "send_events_message_recipient_uq" ON "send_events" USING btree ("message_id","recipient_key");--> statement-breakpoint
CREATE INDEX "send_events_at_idx" ON "send_events" USING btree ("at");