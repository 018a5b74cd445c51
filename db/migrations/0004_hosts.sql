CREATE TABLE "host_keys" (
	"host_id" text NOT NULL,
	"host" text NOT NULL,
	"port" integer NOT NULL,
	"key_type" text NOT NULL,
	"key_base64" text NOT NULL,
	"fingerprint" text NOT NULL,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "host_keys_host_id_host_port_key_base64_pk" PRIMARY KEY("host_id","host","port","key_base64")
);
--> statement-breakpoint
CREATE TABLE "hosts" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"address" text NOT NULL,
	"port" integer,
	"user" text,
	"identity_file" text,
	"passphrase" text,
	"use_agent" boolean DEFAULT false NOT NULL,
	"host_key_policy" text DEFAULT 'strict' NOT NULL,
	"power_cycle" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "hosts_name_unique" UNIQUE("name")
);
--> statement-breakpoint
ALTER TABLE "host_keys" ADD CONSTRAINT "host_keys_host_id_hosts_id_fk" FOREIGN KEY ("host_id") REFERENCES "public"."hosts"("id") ON DELETE cascade ON UPDATE no action;