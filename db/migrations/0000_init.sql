CREATE TABLE "events" (
	"session_id" text NOT NULL,
	"seq" bigint NOT NULL,
	"type" text NOT NULL,
	"step" integer,
	"phase" integer,
	"payload" jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "events_session_id_seq_pk" PRIMARY KEY("session_id","seq")
);
--> statement-breakpoint
CREATE TABLE "phase_runs" (
	"session_id" text NOT NULL,
	"step" integer NOT NULL,
	"phase" integer NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"on" text NOT NULL,
	"status" text NOT NULL,
	"outcome" text,
	"exit_code" integer,
	"signal" text,
	"reason" text,
	"line_count" integer DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ms" integer,
	CONSTRAINT "phase_runs_session_id_step_phase_pk" PRIMARY KEY("session_id","step","phase")
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"status" text NOT NULL,
	"title" text NOT NULL,
	"repo_path" text NOT NULL,
	"bad" text NOT NULL,
	"good" jsonb NOT NULL,
	"bad_sha" text NOT NULL,
	"good_shas" jsonb NOT NULL,
	"term_old" text DEFAULT 'good' NOT NULL,
	"term_new" text DEFAULT 'bad' NOT NULL,
	"first_parent" boolean DEFAULT false NOT NULL,
	"paths" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"recipe" jsonb NOT NULL,
	"range_size" integer,
	"initial_suspect" jsonb,
	"revisions_left" integer,
	"steps_left" integer,
	"result" jsonb,
	"bisect_log" text DEFAULT '' NOT NULL,
	"error" text,
	"last_seq" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "steps" (
	"session_id" text NOT NULL,
	"step" integer NOT NULL,
	"commit" jsonb NOT NULL,
	"position" integer NOT NULL,
	"revisions_left" integer NOT NULL,
	"steps_left" integer NOT NULL,
	"verdict" text,
	"term" text,
	"reason" text,
	"suspect" jsonb,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ms" integer,
	CONSTRAINT "steps_session_id_step_pk" PRIMARY KEY("session_id","step")
);
--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "phase_runs" ADD CONSTRAINT "phase_runs_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "steps" ADD CONSTRAINT "steps_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "events_phase_idx" ON "events" USING btree ("session_id","step","phase","seq");--> statement-breakpoint
CREATE INDEX "sessions_created_idx" ON "sessions" USING btree ("created_at");