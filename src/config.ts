/**
 * The only reader of the environment. Every key is declared once here with what it means; the
 * rest of the program receives a typed, validated `Config` from the composition root.
 */
import path from 'node:path';
import dotenv from 'dotenv';
import { z } from 'zod';

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
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
    /** Where conversation state lives: `sqlite` (durable, default) or `memory` (tests only). */
    STATE_STORE: z.preprocess(blankToUndefined, z.enum(['sqlite', 'memory']).default('sqlite')),
    SQLITE_PATH: z.preprocess(blankToUndefined, z.string().default(path.join('data', 'bot.sqlite'))),
    LOG_LEVEL: z.preprocess(blankToUndefined, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
    /** Language used when an activity carries no locale the bot has a catalog for. */
    DEFAULT_LOCALE: z.preprocess(blankToUndefined, z.enum(['en', 'es']).default('en')),
    /** ISO 3166 country for national phone numbers when the person's locale names no region. */
    DEFAULT_PHONE_COUNTRY: z.preprocess(blankToUndefined, z.string().regex(/^[A-Za-z]{2}$/, 'a two-letter country code such as GB').optional()),
    /** Unrecognised answers in a row before the bot offers a person instead of asking again. */
    MAX_MISSES: intIn(1, 10, 3),
    /** Largest request body accepted on /api/messages, in bytes. */
    MAX_BODY_BYTES: intIn(4096, 4 * 1024 * 1024, 256 * 1024),
    /** Longest message text the bot will read; longer ones get a polite refusal. */
    MAX_TEXT_CHARS: intIn(100, 100000, 2000),
  })
  .superRefine((c, ctx) => {
    if (c.MicrosoftAppId && c.MicrosoftAppType !== 'UserAssignedMSI' && !c.MicrosoftAppPassword) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['MicrosoftAppPassword'], message: 'is required when MicrosoftAppId is set (unless MicrosoftAppType=UserAssignedMSI)' });
    }
    if (c.MicrosoftAppType === 'SingleTenant' && c.MicrosoftAppId && !c.MicrosoftAppTenantId) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['MicrosoftAppTenantId'], message: 'is required when MicrosoftAppType=SingleTenant' });
    }
  });

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
  stateStore: 'sqlite' | 'memory';
  sqlitePath: string;
  logLevel: string;
  defaultLocale: 'en' | 'es';
  defaultPhoneCountry?: string;
  maxMisses: number;
  maxBodyBytes: number;
  maxTextChars: number;
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
    logLevel: c.LOG_LEVEL,
    defaultLocale: c.DEFAULT_LOCALE,
    defaultPhoneCountry: c.DEFAULT_PHONE_COUNTRY?.toUpperCase(),
    maxMisses: c.MAX_MISSES,
    maxBodyBytes: c.MAX_BODY_BYTES,
    maxTextChars: c.MAX_TEXT_CHARS,
  };
}

/** The process environment, with a local `.env` file applied first when there is one. */
export function readEnvironment(): Readonly<Record<string, string | undefined>> {
  dotenv.config({ quiet: true });
  return process.env;
}
