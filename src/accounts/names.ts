// People's and companies' names, as typed at sign-up. A name is one line of at most
// NAME_MAX_LENGTH characters without control characters (no CR/LF to forge headers or lines of
// an e-mail, no bidirectional overrides to disguise it). E-mails to an address nobody has
// proved yet carry at most a short, link-free form of it (`salutationName`), so sign-up cannot
// be used to relay a message to any address a caller types.

export const NAME_MAX_LENGTH = 100;
/** The longest name an e-mail to an unverified address may carry. */
export const SALUTATION_MAX_LENGTH = 40;

// C0 and C1 controls, line and paragraph separators, lone surrogates, and the bidirectional
// embeddings, overrides and isolates.
const NOT_IN_A_NAME = /[\p{Cc}\p{Zl}\p{Zp}\p{Cs}\u202A-\u202E\u2066-\u2069]/u;

// What a mail client might turn into a link: a scheme or path, an address, markup, "www", or a
// dot (also the ideographic and full-width ones) between two letters or digits ("example.com").
const LINK_LIKE = /[:/\\@<>[\]]|www|[\p{L}\p{N}][.\u3002\uFF0E\uFF61][\p{L}\p{N}]/iu;

/** Why a name is refused, or null when it is fine. Give it trimmed. */
export function nameProblem(name: string): string | null {
  if (name === '') return 'is required';
  if (NOT_IN_A_NAME.test(name)) return 'must be one line without control characters';
  if ([...name].length > NAME_MAX_LENGTH) return `must be at most ${NAME_MAX_LENGTH} characters`;
  return null;
}

/**
 * The name to greet someone by in an e-mail to an address that is not verified yet: the name
 * when it is short and nothing in it could become a link, else null (the e-mail then greets
 * without a name).
 */
export function salutationName(name: string): string | null {
  const trimmed = name.trim();
  if (nameProblem(trimmed) !== null || [...trimmed].length > SALUTATION_MAX_LENGTH) return null;
  return LINK_LIKE.test(trimmed) ? null : trimmed;
}
