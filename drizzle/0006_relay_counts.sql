CREATE TABLE "relay_hourly_counts" (
	"sender" text NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"accepted" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "relay_hourly_counts_sender_hour_pk" PRIMARY KEY("sender","hour")
);
