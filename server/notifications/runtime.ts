import type { Db } from '../../db/client';
import type { ServerConfig } from '../env';
import type { Runtime } from '../runtime';
import { SecretBox } from '../secrets/box';
import { shareServiceOf, sharePath } from '../shares/runtime';
import { WebhookDeliverer } from './deliverer';
import { WebhookService } from './service';

/** The dashboard's address for links in messages: $PUBLIC_URL, else the bound host and port. */
export function publicBaseUrl(config: Pick<ServerConfig, 'publicUrl' | 'host' | 'port'>): string {
  return config.publicUrl ?? `http://${config.host}:${config.port}`;
}

/** Starts draining the webhook outbox in this process (one that runs the engine). */
export function startWebhookDeliverer(db: Db, secretBox: SecretBox, config: ServerConfig): WebhookDeliverer {
  const baseUrl = publicBaseUrl(config);
  const deliverer = new WebhookDeliverer({
    db,
    secretBox,
    baseUrl,
    createShareUrl: async (sessionId) => {
      const { token } = await shareServiceOf({ db: { db } as never }).create({ sessionId, hideHosts: true });
      return `${baseUrl}${sharePath(token)}`;
    },
  });
  deliverer.start();
  return deliverer;
}

/** The webhook service over the runtime's database; a test message wakes this process's outbox loop, if it has one. */
export function webhookServiceOf(rt: Pick<Runtime, 'db' | 'config' | 'webhookDeliverer'>): WebhookService {
  return new WebhookService({
    db: rt.db.db,
    secretBox: () => SecretBox.open(rt.config.dataDir),
    wake: () => void rt.webhookDeliverer?.drainOnce().catch(() => undefined),
  });
}
