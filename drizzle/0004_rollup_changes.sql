CREATE TABLE "rollup_changes" (
	"dimension" text NOT NULL,
	"key" text NOT NULL,
	CONSTRAINT "rollup_changes_dimension_key_pk" PRIMARY KEY("dimension","key")
);
