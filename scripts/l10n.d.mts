// Types of scripts/l10n.mjs for the TypeScript tests.
export const REPO: string;
export const LOCALES: string[];
export const TRANSLATED: string[];
export interface Message {
  message: string;
  comment?: string[];
  places: string[];
}
export function placeholders(text: string): string[];
export function extractMessages(root?: string, files?: string[], translatedAreas?: string[]): { messages: Map<string, Message>; errors: string[] };
export function englishBundle(messages: Map<string, Message>): Record<string, string | { message: string; comment: string[] }>;
export function checkTranslation(
  english: Record<string, string | { message: string; comment?: string[] }>,
  translated: Record<string, unknown>,
  options?: { name?: string; avoid?: { term: string; use: string }[] },
): string[];
export function nlsKeysOf(pkg: unknown): Map<string, string>;
export function untranslatedManifestStrings(pkg: unknown): string[];
export function glossaryAvoid(markdown: string): { term: string; use: string }[];
export function checkAll(root?: string): { problems: string[]; english: Record<string, unknown>; messages: Map<string, Message> };
