import type { Storage } from 'botbuilder';

export interface HelpdeskChannel {
  conversationId: string;
  serviceUrl: string;
}

const KEY = 'helpdesk/channel';

/**
 * The helpdesk channel captured when the bot was installed in the configured team. Kept in the
 * shared store, so every instance posts to the same place after any one of them saw the install.
 */
export class HelpdeskChannelStore {
  constructor(private readonly storage: Storage) {}

  async get(): Promise<HelpdeskChannel | undefined> {
    const doc = (await this.storage.read([KEY]))[KEY] as { channel?: HelpdeskChannel } | undefined;
    return doc?.channel;
  }

  async set(channel: HelpdeskChannel): Promise<void> {
    await this.storage.write({ [KEY]: { channel } });
  }
}
