CREATE TABLE "dnsbl_checks" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"run_id" bigint NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"target_kind" text NOT NULL,
	"target" text NOT NULL,
	"zone_id" text NOT NULL,
	"zone" text NOT NULL,
	"outcome" text NOT NULL,
	"codes" jsonb NOT NULL,
	"meanings" jsonb NOT NULL,
	"severity" text,
	"txt" jsonb NOT NULL,
	"explanation" text,
	"duration_ms" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dnsbl_listings" (
	"zone_id" text NOT NULL,
	"target_kind" text NOT NULL,
	"target" text NOT NULL,
	"status" text NOT NULL,
	"since" timestamp with time zone,
	"last_listed_at" timestamp with time zone,
	"last_checked_at" timestamp with time zone,
	"codes" jsonb NOT NULL,
	"severity" text,
	"pending_status" text,
	"pending_count" integer,
	"pending_since" timestamp with time zone,
	CONSTRAINT "dnsbl_listings_zone_id_target_kind_target_pk" PRIMARY KEY("zone_id","target_kind","target")
);
--> statement-breakpoint
CREATE TABLE "dnsbl_runs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone NOT NULL,
	"targets" integer NOT NULL,
	"zones" integer NOT NULL,
	"checks" integer NOT NULL,
	"listed" integer NOT NULL,
	"refused" integer NOT NULL,
	"errors" integer NOT NULL,
	"unhealthy_zones" integer NOT NULL,
	"events" integer NOT NULL,
	"queries" integer NOT NULL,
	"duration_ms" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dnsbl_zone_state" (
	"zone_id" text PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"since" timestamp with time zone,
	"reason" text,
	"pending_status" text,
	"pending_count" integer,
	"pending_since" timestamp with time zone,
	"checked_at" timestamp with time zone,
	"test_points" jsonb
);
--> statement-breakpoint
ALTER TABLE "dnsbl_checks" ADD CONSTRAINT "dnsbl_checks_run_id_dnsbl_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."dnsbl_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "dnsbl_checks_target_at_idx" ON "dnsbl_checks" USING btree ("target","at");--> statement-breakpoint
CREATE INDEX "dnsbl_checks_run_idx" ON "dnsbl_checks" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "dnsbl_listings_target_idx" ON "dnsbl_listings" USING btree ("target");--> statement-breakpoint
CREATE INDEX "dnsbl_runs_started_idx" ON "dnsbl_runs" USING btree ("started_at");