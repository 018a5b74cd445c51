CREATE TABLE "transfer_copies" (
	"session_id" text NOT NULL,
	"step" integer NOT NULL,
	"phase" integer NOT NULL,
	"copy" integer NOT NULL,
	"copies" integer NOT NULL,
	"payload_bytes" bigint NOT NULL,
	"stall_sec" real NOT NULL,
	"copy_timeout_sec" real NOT NULL,
	"outcome" text DEFAULT 'running' NOT NULL,
	"detail" text DEFAULT '' NOT NULL,
	"bytes" bigint DEFAULT 0 NOT NULL,
	"ms" integer,
	"mean_mbps" double precision,
	"min_mbps" double precision,
	"max_mbps" double precision,
	"samples" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "transfer_copies_session_id_step_phase_copy_pk" PRIMARY KEY("session_id","step","phase","copy")
);
--> statement-breakpoint
ALTER TABLE "transfer_copies" ADD CONSTRAINT "transfer_copies_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;