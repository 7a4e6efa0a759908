CREATE TABLE "ip_steering" (
	"ip" text PRIMARY KEY NOT NULL,
	"state" text DEFAULT 'active' NOT NULL,
	"weight_share" double precision DEFAULT 1 NOT NULL,
	"since" timestamp with time zone,
	"until" timestamp with time zone,
	"reason" text DEFAULT 'in use' NOT NULL,
	"zones" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"drain_since" timestamp with time zone,
	"drain_by" text,
	"drain_reason" text,
	"updated_at" timestamp with time zone NOT NULL
);
