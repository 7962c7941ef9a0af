/**
 * Graph failures as DirectoryErrors. The mapping looks only at the HTTP status, at whether a
 * response arrived at all, and at which operation failed; never at Graph's `message`, which is
 * free text that changes without notice and may echo a phone number back.
 *
 * | Status                  | Operation                       | Code           | Why                                                      |
 * |-------------------------|---------------------------------|----------------|----------------------------------------------------------|
 * | 400                     | writePhone (POST/PATCH)         | invalid_number | Graph's answer to a number format it refuses (*)         |
 * | 400                     | deleteMethod                    | conflict       | the default MFA method cannot be deleted while others exist |
 * | 400                     | issueTemporaryAccessPass        | not_allowed    | the TAP policy is off, excludes the user or the lifetime |
 * | 400                     | any other                       | conflict       | Graph refused the request as it stands                    |
 * | 401                     | any                             | not_allowed    | the bot's token was refused                               |
 * | 403                     | issueTemporaryAccessPass        | not_allowed    | TAP policy off / excluding the user, or missing permission |
 * | 403                     | any other                       | not_allowed    | the app lacks the named permission                        |
 * | 404                     | any                             | not_found      | no such user or method (findUser turns it into undefined) |
 * | 409, 412, other 4xx     | any                             | conflict       | the directory changed under us, or the request does not fit |
 * | 429                     | any                             | throttled      | with retryAfterSeconds when Graph sent Retry-After        |
 * | 5xx                     | any                             | unavailable    | with retryAfterSeconds when Graph sent Retry-After        |
 * | no response             | any                             | unavailable    | network error, timeout, or no access token for Graph      |
 *
 * (*) A 400 on POST is ambiguous: "a mobile already exists" also answers 400. GraphDirectory reads
 * the phone methods back before deciding, and only then calls this with 'writePhone'.
 */
import { DirectoryError, type DirectoryErrorCode, type GraphWrite } from '../core/directory';

export type GraphOperation =
  | 'readUser'
  | 'readManager'
  | 'readPresence'
  | 'readRoles'
  | 'readGroups'
  | 'readMethods'
  | 'writePhone'
  | 'deleteMethod'
  | 'issueTemporaryAccessPass'
  | 'revokeSessions';

/** What is known about one failed call; never holds a response body. */
export interface GraphFailure {
  /** HTTP status; undefined when no response arrived. */
  status?: number;
  graphCode?: string;
  requestId?: string;
  retryAfterSeconds?: number;
  /** Why no response arrived, when none did. */
  cause?: 'timeout' | 'network' | 'token';
}

/**
 * The name given to the GraphClientError raised when no access token could be had. The graph
 * client passes GraphClientErrors through untouched, so this name (ours, not Graph's) survives,
 * where anything else thrown inside the chain is rewrapped into a GraphError.
 */
export const TOKEN_FAILURE = 'GraphTokenUnavailable';

/** The GraphClientError name for an attempt that got no answer before its deadline. */
export const ATTEMPT_TIMEOUT = 'GraphAttemptTimeout';

interface OperationText {
  /** What the bot was doing, to complete "Could not …". */
  doing: string;
  /** The application permission Graph checks for it. */
  permission: string;
}

const OPERATIONS: Readonly<Record<GraphOperation, OperationText>> = {
  readUser: { doing: 'look up the user', permission: 'User.Read.All' },
  readManager: { doing: "look up the user's manager", permission: 'User.Read.All' },
  readPresence: { doing: "read the user's Teams presence", permission: 'Presence.Read.All' },
  readRoles: { doing: "read directory role assignments", permission: 'RoleManagement.Read.Directory' },
  readGroups: { doing: 'read group memberships', permission: 'GroupMember.Read.All' },
  readMethods: { doing: "read the user's sign-in methods", permission: 'UserAuthenticationMethod.Read.All' },
  writePhone: { doing: "change the user's mobile number", permission: 'UserAuthenticationMethod.ReadWrite.All' },
  deleteMethod: { doing: 'remove a sign-in method', permission: 'UserAuthenticationMethod.ReadWrite.All' },
  issueTemporaryAccessPass: { doing: 'issue a Temporary Access Pass', permission: 'UserAuthenticationMethod.ReadWrite.All' },
  revokeSessions: { doing: "revoke the user's sign-in sessions", permission: 'User.RevokeSessions.All' },
};

export function toDirectoryError(failure: GraphFailure, operation: GraphOperation, writes?: GraphWrite[]): DirectoryError {
  const { code, message } = classify(failure, operation);
  const details: DirectoryError['details'] = {};
  if (failure.status !== undefined) details.status = failure.status;
  if (failure.graphCode !== undefined) details.graphCode = failure.graphCode;
  if (failure.requestId !== undefined) details.requestId = failure.requestId;
  if (failure.retryAfterSeconds !== undefined) details.retryAfterSeconds = failure.retryAfterSeconds;
  if (writes !== undefined) details.writes = writes;
  return new DirectoryError(code, message, details);
}

function classify(failure: GraphFailure, operation: GraphOperation): { code: DirectoryErrorCode; message: string } {
  const { doing, permission } = OPERATIONS[operation];
  const ref = failure.requestId === undefined ? '' : ` (Graph request-id ${failure.requestId})`;
  const status = failure.status;

  if (status === undefined) {
    if (failure.cause === 'token') {
      return {
        code: 'unavailable',
        message: `Could not ${doing}: the bot could not get an access token for Microsoft Graph. Check the bot's Graph credential settings and that it can reach Microsoft Entra ID.`,
      };
    }
    const what = failure.cause === 'timeout' ? 'did not answer in time' : 'could not be reached';
    return {
      code: 'unavailable',
      message: `Could not ${doing}: Microsoft Graph ${what}. Try again in a few minutes.`,
    };
  }
  if (status === 429) {
    return { code: 'throttled', message: `Could not ${doing}: Microsoft Graph is throttling the bot${ref}. ${waitHint(failure)}` };
  }
  if (status >= 500) {
    return { code: 'unavailable', message: `Could not ${doing}: Microsoft Graph had a temporary failure (${status})${ref}. ${waitHint(failure)}` };
  }
  if (status === 401) {
    return {
      code: 'not_allowed',
      message: `Could not ${doing}: Microsoft Graph refused the bot's access token${ref}. Check the bot's app registration and credential.`,
    };
  }
  if (operation === 'issueTemporaryAccessPass' && (status === 400 || status === 403)) {
    return {
      code: 'not_allowed',
      message: `Could not ${doing}${ref}: the tenant's Temporary Access Pass policy may be off, may exclude this user, or may not allow the configured lifetime; or the bot lacks ${permission}. Check the Temporary Access Pass policy under Authentication methods in Microsoft Entra.`,
    };
  }
  if (status === 403) {
    return {
      code: 'not_allowed',
      message: `Could not ${doing}: Microsoft Graph denied access${ref}. The bot's app registration needs the ${permission} application permission with admin consent.`,
    };
  }
  if (status === 404) {
    return { code: 'not_found', message: `Could not ${doing}: the user or method does not exist (any more)${ref}.` };
  }
  if (status === 400 && operation === 'writePhone') {
    return {
      code: 'invalid_number',
      message: `Could not ${doing}: Microsoft Graph rejected the number${ref}. Check the number with the person and try again.`,
    };
  }
  if (status === 400 && operation === 'deleteMethod') {
    return {
      code: 'conflict',
      message: `Could not ${doing}: it is the user's default sign-in method and other methods remain${ref}. Change the user's default method in Microsoft Entra, then try again.`,
    };
  }
  return {
    code: 'conflict',
    message: `Could not ${doing}: Microsoft Graph refused the request (${status})${ref}. The account may have changed meanwhile; review it and try again.`,
  };
}

function waitHint(failure: GraphFailure): string {
  return failure.retryAfterSeconds === undefined
    ? 'Try again in a few minutes.'
    : `Try again in ${failure.retryAfterSeconds} seconds or more.`;
}

/**
 * Retry-After as whole seconds from now: Graph sends a number of seconds, HTTP also allows a date.
 * Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}
