// Types of scripts/pip-index.mjs for the TypeScript tests.
export function normalizeName(name: string): string;
export function writeWheel(dir: string, wheel: { name: string; version: string; files: Record<string, string | Buffer>; requires?: string[]; summary?: string }): Promise<string>;
export function wheelFromDeb(debFile: string, outDir: string): Promise<string>;
export function startPipIndex(dir: string): Promise<{ url: string; port: number; close(): Promise<void> }>;
export function examplePipPackages(exampleDir: string): string[];
export function exampleWheels(exampleDir: string, wheelsDir: string, debsDir: string): Promise<string[]>;
