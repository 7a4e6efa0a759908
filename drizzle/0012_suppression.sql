CREATE SEQUENCE "public"."suppression_version" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "suppression_audit" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"entry_id" bigint,
	"recipient_hash" text,
	"note" text NOT NULL,
	"details" jsonb
);
--> statement-breakpoint
CREATE TABLE "suppression_entries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"recipient_hash" text,
	"scope" text NOT NULL,
	"scope_id" text DEFAULT '' NOT NULL,
	"reason" text NOT NULL,
	"source" text NOT NULL,
	"origin" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone,
	"removed_at" timestamp with time zone,
	"version" bigint DEFAULT nextval('suppression_version') NOT NULL
);
--> statement-breakpoint
CREATE TABLE "suppression_sightings" (
	"dedup_key" text PRIMARY KEY NOT NULL,
	"recipient_hash" text NOT NULL,
	"content_hash" text,
	"kind" text NOT NULL,
	"reason" text,
	"occurred_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "suppression_audit_recipient_idx" ON "suppression_audit" USING btree ("recipient_hash","at");--> statement-breakpoint
CREATE INDEX "suppression_audit_at_idx" ON "suppression_audit" USING btree ("at");--> statement-breakpoint
CREATE UNIQUE INDEX "suppression_entries_recipient_scope_uq" ON "suppression_entries" USING btree ("recipient_hash","scope","scope_id");--> statement-breakpoint
CREATE INDEX "suppression_entries_version_idx" ON "suppression_entries" USING btree ("version");--> statement-breakpoint
CREATE INDEX "suppression_sightings_recipient_idx" ON "suppression_sightings" USING btree ("recipient_hash","occurred_at");