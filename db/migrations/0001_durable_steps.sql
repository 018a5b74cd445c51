ALTER TABLE "sessions" ADD COLUMN "check_endpoints" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "steps" ADD COLUMN "kind" text DEFAULT 'bisect' NOT NULL;--> statement-breakpoint
ALTER TABLE "steps" ADD COLUMN "expect" text;--> statement-breakpoint
ALTER TABLE "steps" ADD COLUMN "state" text DEFAULT 'running' NOT NULL;--> statement-breakpoint
ALTER TABLE "steps" ADD COLUMN "interrupted_by" text;--> statement-breakpoint
ALTER TABLE "steps" ADD COLUMN "manual" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "steps" ADD COLUMN "superseded" boolean DEFAULT false NOT NULL;