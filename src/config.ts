/**
 * The only reader of the environment. Every key is declared once here with what it means; the
 * rest of the program receives a typed, validated `Config` from the composition root.
 */
import os from 'node:os';
import path from 'node:path';
import dotenv from 'dotenv';
import { z } from 'zod';
import { LANGUAGE_TAGS } from '../locales';
import type { ManagerConfirmationSetting } from './core/assurance';
import type { PhoneSignInSetting } from './core/phoneSignIn';

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** One of the bot's languages (locales/index.ts), in any case: `pt-br` is read as `pt-BR`. */
const languageTag = z
  .string()
  .transform((v) => LANGUAGE_TAGS.find((tag) => tag.toLowerCase() === v.trim().toLowerCase()) ?? v)
  .refine((v) => LANGUAGE_TAGS.includes(v), { message: `one of ${LANGUAGE_TAGS.join(', ')}` });
const optionalString = z.preprocess(blankToUndefined, z.string().trim().optional());
const intIn = (min: number, max: number, fallback: number) =>
  z.preprocess(blankToUndefined, z.coerce.number().int().min(min).max(max).default(fallback));

const schema = z
  .object({
    /** HTTP port of the bot server. */
    PORT: intIn(0, 65535, 3978),
    /** Interface to listen on. Local mode defaults to loopback because nothing authenticates callers. */
    HOST: optionalString,
    /** Bot Framework app registration. Empty = local mode: no channel authentication. */
    MicrosoftAppId: optionalString,
    MicrosoftAppPassword: optionalString,
    MicrosoftAppType: z.preprocess(blankToUndefined, z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('MultiTenant')),
    MicrosoftAppTenantId: optionalString,
    /**
     * Where conversation state, requests and the audit trail live: `sqlite` (one file, default),
     * `blob` (Azure Blob Storage, shared by every instance) or `memory` (tests only).
     */
    STATE_STORE: z.preprocess(blankToUndefined, z.enum(['sqlite', 'blob', 'memory']).default('sqlite')),
    SQLITE_PATH: z.preprocess(blankToUndefined, z.string().default(path.join('data', 'bot.sqlite'))),
    /** Blob storage: a connection string (Azurite, or an account key / SAS kept in Key Vault) … */
    BLOB_CONNECTION_STRING: optionalString,
    /** … or the account URL, with an @azure/identity credential (managed identity in Azure). */
    BLOB_ACCOUNT_URL: z.preprocess(blankToUndefined, z.string().url().optional()),
    /** User-assigned managed identity's client id for BLOB_ACCOUNT_URL; empty = the default credential chain. */
    BLOB_MANAGED_IDENTITY_CLIENT_ID: optionalString,
    /** How long start-up keeps trying to reach the blob store before giving up with a clear error. */
    BLOB_STARTUP_TIMEOUT_SECONDS: intIn(1, 300, 10),
    /** The container; created at start-up if missing. */
    BLOB_CONTAINER: z.preprocess(
      blankToUndefined,
      z.string().regex(/^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, 'a container name: 3-63 lower-case letters, digits and single hyphens').default('bot-state'),
    ),
    /** Names this process in every log line (default: App Service's instance id, else host-pid). */
    INSTANCE_ID: optionalString,
    WEBSITE_INSTANCE_ID: optionalString,
    /**
     * On SIGTERM: seconds /readyz answers 503 (and new turns are refused with 503) before the
     * server closes, so a load balancer stops sending here first. Default 0 in local mode, 10 otherwise.
     */
    SHUTDOWN_DRAIN_SECONDS: z.preprocess(blankToUndefined, z.coerce.number().int().min(0).max(300).optional()),
    LOG_LEVEL: z.preprocess(blankToUndefined, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
    /** Language used when an activity carries no locale the bot has a catalog for. */
    DEFAULT_LOCALE: z.preprocess(blankToUndefined, languageTag.default('en')),
    /**
     * Language of the helpdesk channel's cards and messages, whatever each requester's language
     * (requesters' own notices are in theirs). Default: DEFAULT_LOCALE.
     */
    HELPDESK_LOCALE: z.preprocess(blankToUndefined, languageTag.optional()),
    /** ISO 3166 country for national phone numbers when the person's locale names no region. */
    DEFAULT_PHONE_COUNTRY: z.preprocess(blankToUndefined, z.string().regex(/^[A-Za-z]{2}$/, 'a two-letter country code such as GB').optional()),
    /**
     * Work/school phone sign-in: `microsoft` (Microsoft-provided SMS/voice, which stop on 1 Feb 2027),
     * `own-provider` (the organisation runs its own telephony provider, so codes keep arriving) or
     * `off` (phone methods are not allowed). Decides whether a new number is offered as a fix.
     */
    PHONE_SIGN_IN: z.preprocess(blankToUndefined, z.enum(['microsoft', 'own-provider', 'off']).default('microsoft')),
    /** The organisation has enabled Microsoft Entra account recovery ("Other ways to sign in" → "Recover your account"). */
    ENTRA_ACCOUNT_RECOVERY: z.preprocess(blankToUndefined, z.enum(['true', 'false']).default('false')),
    /** Unrecognised answers in a row before the bot offers a person instead of asking again. */
    MAX_MISSES: intIn(1, 10, 3),
    /** Largest request body accepted on /api/messages, in bytes. */
    MAX_BODY_BYTES: intIn(4096, 4 * 1024 * 1024, 256 * 1024),
    /** Longest message text the bot will read; longer ones get a polite refusal. */
    MAX_TEXT_CHARS: intIn(100, 100000, 2000),

    /** Live Microsoft Graph: the app registration that holds the Graph application permissions. */
    GRAPH_TENANT_ID: optionalString,
    GRAPH_CLIENT_ID: optionalString,
    /** One credential: a client secret, a client certificate (PEM with private key), or managed identity. */
    GRAPH_CLIENT_SECRET: optionalString,
    GRAPH_CLIENT_CERTIFICATE_PATH: optionalString,
    GRAPH_USE_MANAGED_IDENTITY: z.preprocess(blankToUndefined, z.enum(['true', 'false']).default('false')),
    /** User-assigned managed identity's client id; empty = system-assigned. */
    GRAPH_MANAGED_IDENTITY_CLIENT_ID: optionalString,
    /** Graph endpoint; change only for national clouds. */
    GRAPH_BASE_URL: z.preprocess(blankToUndefined, z.string().url().default('https://graph.microsoft.com')),
    /** Upper bound on time spent waiting for Graph retries (Retry-After), so a chat turn never hangs. */
    GRAPH_MAX_RETRY_SECONDS: intIn(0, 120, 10),
    /** Temporary Access Pass issued by the helpdesk: lifetime within Graph's 10..43200 minutes, one-time use. */
    TAP_LIFETIME_MINUTES: intIn(10, 43200, 60),
    TAP_USABLE_ONCE: z.preprocess(blankToUndefined, z.enum(['true', 'false']).default('true')),
    /** Object id of an Entra group whose members may approve besides the authentication admin roles. */
    HELPDESK_GROUP_ID: optionalString,
    /** The helpdesk channel: its conversation id (19:…@thread.tacv2) and the Teams service URL. */
    HELPDESK_CONVERSATION_ID: optionalString,
    HELPDESK_SERVICE_URL: z.preprocess(blankToUndefined, z.string().url().optional()),
    /** Or: the team whose General channel becomes the helpdesk channel when the bot is installed there. */
    HELPDESK_TEAM_ID: optionalString,
    /** Entra object ids (comma-separated, at most 60) that Teams asks the bot for an approver's view of each card. */
    HELPDESK_APPROVER_IDS: z.preprocess(blankToUndefined, z.string().optional()).refine(
      (v) => v === undefined || v.split(',').filter((x) => x.trim()).length <= 60,
      'at most 60 ids (a Teams limit for refresh.userIds)',
    ),
    /**
     * When a new mobile or a pass needs the target's manager to say "Yes" (or an approver's override
     * with a written reason): `unverified` (requests no Teams sign-in vouches for), `always` (Teams
     * requests too) or `never`. Whatever the setting, a manager's "No" blocks until two approvers
     * override, and an admin account always needs the manager's "Yes" (src/core/assurance.ts).
     */
    REQUIRE_MANAGER_CONFIRMATION: z.preprocess(blankToUndefined, z.enum(['unverified', 'always', 'never']).default('unverified')),
    /** A pending request expires after this long, and the requester is told. */
    REQUEST_TTL_MINUTES: intIn(10, 10080, 1440),
    /** Caps on new requests, so the helpdesk channel cannot be flooded. */
    REQUESTS_PER_REQUESTER_PER_HOUR: intIn(1, 100, 3),
    REQUESTS_PER_CONVERSATION_PER_HOUR: intIn(1, 100, 5),
    /** New requests per client per hour, whatever user and conversation ids it uses: web chat by network address (IPv6 /64), Teams by user. */
    REQUESTS_PER_CLIENT_ADDRESS_PER_HOUR: intIn(1, 1000, 20),
    /** New requests per hour for accounts in one sign-in domain (the domain of the address asked about). */
    REQUESTS_PER_TARGET_DOMAIN_PER_HOUR: intIn(1, 10000, 30),
    /** New requests per hour in all; the helpdesk channel gets at most this many cards an hour. */
    REQUESTS_PER_HOUR: intIn(1, 10000, 200),
    /** How often this instance looks for expired requests (0 = never; another instance does it). */
    EXPIRY_SWEEP_SECONDS: intIn(0, 3600, 60),
    /** Conversation state, closed requests and their index entries are deleted this many days after their last change. */
    RETENTION_DAYS: intIn(1, 3650, 30),
    /** A help request left unsent this many hours: its answers (phone numbers included) are deleted from conversation state. */
    ABANDONED_INTAKE_HOURS: intIn(1, 720, 24),
    /** The audit trail of a request is deleted this many days after the request closed (never while it is open). */
    AUDIT_RETENTION_DAYS: intIn(1, 3650, 365),
    /** How often this instance runs the retention sweep (0 = never; another instance does it). */
    RETENTION_SWEEP_MINUTES: intIn(0, 1440, 60),
    /** Production web chat: the Direct Line channel secret (server-side only; the page gets tokens). */
    DIRECT_LINE_SECRET: optionalString,
    DIRECT_LINE_ENDPOINT: z.preprocess(blankToUndefined, z.string().url().default('https://directline.botframework.com')),
    /** Local mode without a secret: the built-in Direct Line stand-in on 127.0.0.1 (0 = any port). */
    DEV_DIRECTLINE_PORT: intIn(0, 65535, 0),
    /** Tokens one client address may get per minute from /api/directline/token. */
    TOKEN_REQUESTS_PER_MINUTE: intIn(1, 1000, 10),
    /**
     * Reverse proxies in front of the bot that append the address they saw to X-Forwarded-For (App
     * Service: 1). The client address is then the Nth entry from the right; 0 = the socket address.
     */
    TRUSTED_PROXY_HOPS: intIn(0, 10, 0),
    /** The sandbox tenant used when no Graph credential is configured. */
    SANDBOX_TENANT_FILE: z.preprocess(blankToUndefined, z.string().default(path.join('sandbox', 'demo-tenant.json'))),
    SANDBOX_GRAPH_PORT: intIn(0, 65535, 0),
    /**
     * A sandbox tenant that is already running (`npm run sandbox`), shared by several local bot
     * instances: its https origin, the file holding its CA certificate, and its token.
     */
    SANDBOX_GRAPH_URL: z.preprocess(blankToUndefined, z.string().url().startsWith('https://127.0.0.1:', 'an https://127.0.0.1:<port> origin (the sandbox only listens on loopback)').optional()),
    SANDBOX_GRAPH_CA_FILE: optionalString,
    SANDBOX_GRAPH_TOKEN: optionalString,
  })
  .superRefine((c, ctx) => {
    const credentials = [c.GRAPH_CLIENT_SECRET, c.GRAPH_CLIENT_CERTIFICATE_PATH, c.GRAPH_USE_MANAGED_IDENTITY === 'true' ? 'mi' : undefined].filter(Boolean);
    if (credentials.length > 1) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['GRAPH_CLIENT_SECRET'], message: 'set only one Graph credential: GRAPH_CLIENT_SECRET, GRAPH_CLIENT_CERTIFICATE_PATH or GRAPH_USE_MANAGED_IDENTITY=true' });
    }
    if (c.GRAPH_CLIENT_SECRET || c.GRAPH_CLIENT_CERTIFICATE_PATH) {
      for (const key of ['GRAPH_TENANT_ID', 'GRAPH_CLIENT_ID'] as const) {
        if (!c[key]) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [key], message: 'is required with GRAPH_CLIENT_SECRET or GRAPH_CLIENT_CERTIFICATE_PATH' });
      }
    }
    if (Boolean(c.HELPDESK_CONVERSATION_ID) !== Boolean(c.HELPDESK_SERVICE_URL)) {
      const missing = c.HELPDESK_CONVERSATION_ID ? 'HELPDESK_SERVICE_URL' : 'HELPDESK_CONVERSATION_ID';
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: [missing], message: 'set HELPDESK_CONVERSATION_ID and HELPDESK_SERVICE_URL together' });
    }
    if ((c.GRAPH_TENANT_ID || c.GRAPH_CLIENT_ID) && credentials.length === 0) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['GRAPH_CLIENT_SECRET'], message: 'GRAPH_TENANT_ID/GRAPH_CLIENT_ID are set but no Graph credential is: set GRAPH_CLIENT_SECRET, GRAPH_CLIENT_CERTIFICATE_PATH or GRAPH_USE_MANAGED_IDENTITY=true' });
    }
    if (c.STATE_STORE === 'blob' && Boolean(c.BLOB_CONNECTION_STRING) === Boolean(c.BLOB_ACCOUNT_URL)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['BLOB_CONNECTION_STRING'], message: 'STATE_STORE=blob needs exactly one of BLOB_CONNECTION_STRING or BLOB_ACCOUNT_URL' });
    }
    const external = [c.SANDBOX_GRAPH_URL, c.SANDBOX_GRAPH_CA_FILE, c.SANDBOX_GRAPH_TOKEN];
    if (external.some(Boolean) && !external.every(Boolean)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['SANDBOX_GRAPH_URL'], message: 'set SANDBOX_GRAPH_URL, SANDBOX_GRAPH_CA_FILE and SANDBOX_GRAPH_TOKEN together (npm run sandbox prints them)' });
    }
    if (c.MicrosoftAppId && c.MicrosoftAppType !== 'UserAssignedMSI' && !c.MicrosoftAppPassword) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['MicrosoftAppPassword'], message: 'is required when MicrosoftAppId is set (unless MicrosoftAppType=UserAssignedMSI)' });
    }
    // Local mode authenticates nobody: every id in an activity is a claim anyone could type. It is
    // safe only on loopback and only against the sandbox tenant, so both are enforced here.
    if (!c.MicrosoftAppId) {
      if (c.HOST && !isLoopbackHost(c.HOST)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['HOST'], message: `local mode (no MicrosoftAppId) authenticates no caller, so it listens on loopback only (127.0.0.1, ::1 or localhost), not "${c.HOST}"; set MicrosoftAppId and MicrosoftAppPassword to listen elsewhere` });
      }
      if (credentials.length > 0) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['MicrosoftAppId'], message: 'local mode (no MicrosoftAppId) talks only to the sandbox tenant: unauthenticated callers could approve changes in a live tenant. Set MicrosoftAppId and MicrosoftAppPassword, or remove GRAPH_CLIENT_SECRET / GRAPH_CLIENT_CERTIFICATE_PATH / GRAPH_USE_MANAGED_IDENTITY' });
      }
    } else if (credentials.length === 0 && !c.GRAPH_TENANT_ID && !c.GRAPH_CLIENT_ID) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['GRAPH_CLIENT_SECRET'], message: 'an authenticated bot (MicrosoftAppId set) needs live Microsoft Graph: set GRAPH_CLIENT_SECRET, GRAPH_CLIENT_CERTIFICATE_PATH or GRAPH_USE_MANAGED_IDENTITY=true (the sandbox tenant is for local mode only)' });
    }
    if (c.MicrosoftAppId && [c.SANDBOX_GRAPH_URL, c.SANDBOX_GRAPH_CA_FILE, c.SANDBOX_GRAPH_TOKEN].some(Boolean)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['SANDBOX_GRAPH_URL'], message: 'a shared sandbox tenant is for local mode only (no MicrosoftAppId)' });
    }
    if (c.MicrosoftAppType === 'SingleTenant' && c.MicrosoftAppId && !c.MicrosoftAppTenantId) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['MicrosoftAppTenantId'], message: 'is required when MicrosoftAppType=SingleTenant' });
    }
  });

/** How the bot reaches Microsoft Graph. Sandbox and live differ only here. */
export type GraphCredentialSettings =
  | { kind: 'clientSecret'; tenantId: string; clientId: string; clientSecret: string }
  | { kind: 'clientCertificate'; tenantId: string; clientId: string; certificatePath: string }
  | { kind: 'managedIdentity'; clientId?: string };

export type GraphSettings =
  | { mode: 'sandbox'; tenantFile: string; port: number; external?: { origin: string; caFile: string; token: string } }
  | { mode: 'live'; baseUrl: string; credential: GraphCredentialSettings };

export interface Config {
  port: number;
  host: string;
  /** True when no Bot Framework app id is configured: requests are not authenticated. */
  localMode: boolean;
  botAuth: {
    MicrosoftAppId?: string;
    MicrosoftAppPassword?: string;
    MicrosoftAppType: string;
    MicrosoftAppTenantId?: string;
  };
  stateStore: 'sqlite' | 'blob' | 'memory';
  sqlitePath: string;
  blob?: {
    connectionString?: string;
    accountUrl?: string;
    managedIdentityClientId?: string;
    container: string;
    startupTimeoutSeconds: number;
  };
  /** Names this process in every log line, so a trace across instances can be followed. */
  instanceId: string;
  /** Seconds between SIGTERM and closing the listener, while /readyz says 503. */
  shutdownDrainSeconds: number;
  logLevel: string;
  /** A tag of locales/index.ts LANGUAGES. */
  defaultLocale: string;
  /** The helpdesk channel's language (HELPDESK_LOCALE, else DEFAULT_LOCALE). */
  helpdeskLocale: string;
  defaultPhoneCountry?: string;
  /** Whether codes reach a work/school phone, with the date from the clock (src/core/phoneSignIn.ts). */
  phoneSignIn: PhoneSignInSetting;
  /** Offer "Other ways to sign in → Recover your account" to work/school users with no method. */
  entraAccountRecovery: boolean;
  maxMisses: number;
  maxBodyBytes: number;
  maxTextChars: number;
  graph: GraphSettings;
  graphMaxRetrySeconds: number;
  temporaryAccessPass: { lifetimeInMinutes: number; isUsableOnce: boolean };
  helpdeskGroupId?: string;
  webChat: {
    /**
     * service: exchange the secret with the Direct Line service. dev: the local stand-in, only in
     * local mode (never next to a real bot). off: an authenticated bot without a secret (Teams only).
     */
    directLine: { mode: 'service'; secret: string; endpoint: string } | { mode: 'dev'; port: number } | { mode: 'off' };
    tokenRequestsPerMinute: number;
  };
  /** Reverse proxies trusted to append to X-Forwarded-For; every per-address limit reads the address through them. */
  trustedProxyHops: number;
  helpdesk: {
    /** Where request cards go; unset until configured or captured when the bot joins a team. */
    channel?: { conversationId: string; serviceUrl: string };
    /** Capture the channel when the bot is installed in this team (when `channel` is not set). */
    teamId?: string;
    approverIds: string[];
    /** REQUIRE_MANAGER_CONFIRMATION: when the manager's "Yes" (or an override) is needed. */
    requireManagerConfirmation: ManagerConfirmationSetting;
    requestTtlMinutes: number;
    limits: {
      perRequesterPerHour: number;
      perConversationPerHour: number;
      perClientAddressPerHour: number;
      perTargetDomainPerHour: number;
      perHour: number;
    };
    expirySweepSeconds: number;
  };
  /** What the retention sweep (src/infra/retention.ts) deletes, and how often it runs. */
  retention: {
    days: number;
    abandonedIntakeHours: number;
    auditDays: number;
    sweepMinutes: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Validates the environment and names every bad or missing key at once. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`));
  }
  const c = parsed.data;
  const localMode = !c.MicrosoftAppId;
  return {
    port: c.PORT,
    host: c.HOST ?? (localMode ? '127.0.0.1' : '0.0.0.0'),
    localMode,
    botAuth: {
      MicrosoftAppId: c.MicrosoftAppId,
      MicrosoftAppPassword: c.MicrosoftAppPassword,
      MicrosoftAppType: c.MicrosoftAppType,
      MicrosoftAppTenantId: c.MicrosoftAppTenantId,
    },
    stateStore: c.STATE_STORE,
    sqlitePath: c.SQLITE_PATH,
    blob:
      c.STATE_STORE === 'blob'
        ? {
            connectionString: c.BLOB_CONNECTION_STRING,
            accountUrl: c.BLOB_ACCOUNT_URL,
            managedIdentityClientId: c.BLOB_MANAGED_IDENTITY_CLIENT_ID,
            container: c.BLOB_CONTAINER,
            startupTimeoutSeconds: c.BLOB_STARTUP_TIMEOUT_SECONDS,
          }
        : undefined,
    instanceId: c.INSTANCE_ID ?? c.WEBSITE_INSTANCE_ID?.slice(0, 16) ?? `${os.hostname()}-${process.pid}`,
    shutdownDrainSeconds: c.SHUTDOWN_DRAIN_SECONDS ?? (localMode ? 0 : 10),
    logLevel: c.LOG_LEVEL,
    defaultLocale: c.DEFAULT_LOCALE,
    helpdeskLocale: c.HELPDESK_LOCALE ?? c.DEFAULT_LOCALE,
    defaultPhoneCountry: c.DEFAULT_PHONE_COUNTRY?.toUpperCase(),
    phoneSignIn: c.PHONE_SIGN_IN,
    entraAccountRecovery: c.ENTRA_ACCOUNT_RECOVERY === 'true',
    maxMisses: c.MAX_MISSES,
    maxBodyBytes: c.MAX_BODY_BYTES,
    maxTextChars: c.MAX_TEXT_CHARS,
    graph: graphSettings(c),
    graphMaxRetrySeconds: c.GRAPH_MAX_RETRY_SECONDS,
    temporaryAccessPass: { lifetimeInMinutes: c.TAP_LIFETIME_MINUTES, isUsableOnce: c.TAP_USABLE_ONCE === 'true' },
    helpdeskGroupId: c.HELPDESK_GROUP_ID,
    webChat: {
      directLine: c.DIRECT_LINE_SECRET
        ? { mode: 'service', secret: c.DIRECT_LINE_SECRET, endpoint: c.DIRECT_LINE_ENDPOINT }
        : localMode
          ? { mode: 'dev', port: c.DEV_DIRECTLINE_PORT }
          : { mode: 'off' },
      tokenRequestsPerMinute: c.TOKEN_REQUESTS_PER_MINUTE,
    },
    trustedProxyHops: c.TRUSTED_PROXY_HOPS,
    helpdesk: {
      channel: c.HELPDESK_CONVERSATION_ID && c.HELPDESK_SERVICE_URL ? { conversationId: c.HELPDESK_CONVERSATION_ID, serviceUrl: c.HELPDESK_SERVICE_URL } : undefined,
      teamId: c.HELPDESK_TEAM_ID,
      approverIds: (c.HELPDESK_APPROVER_IDS ?? '').split(',').map((x) => x.trim()).filter(Boolean),
      requireManagerConfirmation: c.REQUIRE_MANAGER_CONFIRMATION,
      requestTtlMinutes: c.REQUEST_TTL_MINUTES,
      limits: {
        perRequesterPerHour: c.REQUESTS_PER_REQUESTER_PER_HOUR,
        perConversationPerHour: c.REQUESTS_PER_CONVERSATION_PER_HOUR,
        perClientAddressPerHour: c.REQUESTS_PER_CLIENT_ADDRESS_PER_HOUR,
        perTargetDomainPerHour: c.REQUESTS_PER_TARGET_DOMAIN_PER_HOUR,
        perHour: c.REQUESTS_PER_HOUR,
      },
      expirySweepSeconds: c.EXPIRY_SWEEP_SECONDS,
    },
    retention: {
      days: c.RETENTION_DAYS,
      abandonedIntakeHours: c.ABANDONED_INTAKE_HOURS,
      auditDays: c.AUDIT_RETENTION_DAYS,
      sweepMinutes: c.RETENTION_SWEEP_MINUTES,
    },
  };
}

/** Live Graph exactly when a credential is configured; otherwise the built-in sandbox tenant. */
function graphSettings(c: z.infer<typeof schema>): GraphSettings {
  const baseUrl = c.GRAPH_BASE_URL;
  if (c.GRAPH_CLIENT_SECRET) {
    return { mode: 'live', baseUrl, credential: { kind: 'clientSecret', tenantId: c.GRAPH_TENANT_ID!, clientId: c.GRAPH_CLIENT_ID!, clientSecret: c.GRAPH_CLIENT_SECRET } };
  }
  if (c.GRAPH_CLIENT_CERTIFICATE_PATH) {
    return { mode: 'live', baseUrl, credential: { kind: 'clientCertificate', tenantId: c.GRAPH_TENANT_ID!, clientId: c.GRAPH_CLIENT_ID!, certificatePath: c.GRAPH_CLIENT_CERTIFICATE_PATH } };
  }
  if (c.GRAPH_USE_MANAGED_IDENTITY === 'true') {
    return { mode: 'live', baseUrl, credential: { kind: 'managedIdentity', clientId: c.GRAPH_MANAGED_IDENTITY_CLIENT_ID } };
  }
  const external =
    c.SANDBOX_GRAPH_URL && c.SANDBOX_GRAPH_CA_FILE && c.SANDBOX_GRAPH_TOKEN
      ? { origin: new URL(c.SANDBOX_GRAPH_URL).origin, caFile: c.SANDBOX_GRAPH_CA_FILE, token: c.SANDBOX_GRAPH_TOKEN }
      : undefined;
  return { mode: 'sandbox', tenantFile: c.SANDBOX_TENANT_FILE, port: c.SANDBOX_GRAPH_PORT, external };
}

/** Loopback only: local mode must not be reachable from another machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** The process environment, with a local `.env` file applied first when there is one. */
export function readEnvironment(): Readonly<Record<string, string | undefined>> {
  dotenv.config({ quiet: true });
  return process.env;
}
