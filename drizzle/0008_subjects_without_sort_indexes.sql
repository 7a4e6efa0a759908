DROP INDEX "subjects_complaint_rate_idx";--> statement-breakpoint
DROP INDEX "subjects_bounce_rate_idx";--> statement-breakpoint
DROP INDEX "subjects_volume_idx";