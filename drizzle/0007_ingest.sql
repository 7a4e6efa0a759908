CREATE TABLE "ingest_checkpoints" (
	"source" text NOT NULL,
	"folder" text NOT NULL,
	"uid_validity" bigint NOT NULL,
	"last_uid" bigint NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "ingest_checkpoints_source_folder_pk" PRIMARY KEY("source","folder")
);
--> statement-breakpoint
CREATE TABLE "ingest_runs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"duration_ms" integer NOT NULL,
	"outcome" text NOT NULL,
	"fetched" integer NOT NULL,
	"stored" integer NOT NULL,
	"duplicates" integer NOT NULL,
	"quarantined" integer NOT NULL,
	"errors" integer NOT NULL,
	"error_code" text,
	"error" text,
	"details" jsonb
);
--> statement-breakpoint
CREATE TABLE "ingested_messages" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"message_key" text NOT NULL,
	"content_hash" text NOT NULL,
	"source" text NOT NULL,
	"folder" text NOT NULL,
	"uid_validity" bigint,
	"uid" bigint,
	"size" integer NOT NULL,
	"outcome" text NOT NULL,
	"facts" integer NOT NULL,
	"raw_gzip" "bytea",
	"headers_only" boolean DEFAULT false NOT NULL,
	"ingested_at" timestamp with time zone NOT NULL,
	CONSTRAINT "ingested_messages_message_key_unique" UNIQUE("message_key"),
	CONSTRAINT "ingested_messages_content_hash_unique" UNIQUE("content_hash")
);
--> statement-breakpoint
CREATE TABLE "quarantine" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"message_id" bigint NOT NULL,
	"reason_code" text NOT NULL,
	"reason" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"retries" integer DEFAULT 0 NOT NULL,
	"quarantined_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone,
	CONSTRAINT "quarantine_message_id_unique" UNIQUE("message_id")
);
--> statement-breakpoint
ALTER TABLE "quarantine" ADD CONSTRAINT "quarantine_message_id_ingested_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."ingested_messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ingest_runs_source_idx" ON "ingest_runs" USING btree ("source","started_at");--> statement-breakpoint
CREATE INDEX "ingested_messages_at_idx" ON "ingested_messages" USING btree ("ingested_at");--> statement-breakpoint
CREATE INDEX "ingested_messages_source_idx" ON "ingested_messages" USING btree ("source","folder","uid");--> statement-breakpoint
CREATE INDEX "quarantine_status_idx" ON "quarantine" USING btree ("status","id");