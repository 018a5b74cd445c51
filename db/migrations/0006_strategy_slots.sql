ALTER TABLE "sessions" ADD COLUMN "strategy" jsonb DEFAULT '{"kind":"git"}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "slots" jsonb;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "strategy_view" jsonb;--> statement-breakpoint
ALTER TABLE "steps" ADD COLUMN "slot" integer;