/**
 * Environment parsing with one rule: a bad value is reported with the variable's name, and every
 * bad variable is reported at once, so a misconfigured process fails fast and says why.
 */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

export interface EnvReader {
  string(name: string, fallback: string): string;
  int(name: string, fallback: number, range?: { min?: number; max?: number }): number;
  port(name: string, fallback: number): number;
  bool(name: string, fallback: boolean): boolean;
  /** Milliseconds from a value like `500ms`, `2s`, `5m`, `90d` or a bare number of ms. */
  durationMs(name: string, fallback: number): number;
  /** A date (YYYY-MM-DD, UTC midnight) or full ISO-8601 timestamp. */
  date(name: string, fallback: string): Date;
  list(name: string, fallback: string[]): string[];
  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Reads variables through `read`, collecting problems; call `done()` to throw them together. */
export function envReader(env: Env = process.env): EnvReader & { done(): void } {
  const problems: string[] = [];
  const raw = (name: string) => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const reader = {
    string(name: string, fallback: string) {
      return raw(name) ?? fallback;
    },
    int(name: string, fallback: number, range: { min?: number; max?: number } = {}) {
      const value = raw(name);
      if (value === undefined) return fallback;
      const parsed = Number(value);
      const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range;
      if (!/^-?\d+$/.test(value) || parsed < min || parsed > max) {
        problems.push(`${name} must be an integer in [${min}, ${max}] (got ${JSON.stringify(value)})`);
        return fallback;
      }
      return parsed;
    },
    port(name: string, fallback: number) {
      const value = raw(name);
      if (value !== undefined && (!/^\d+$/.test(value) || Number(value) > 65535)) {
        problems.push(`${name} must be a TCP port number 0-65535 (got ${JSON.stringify(value)})`);
        return fallback;
      }
      return value === undefined ? fallback : Number(value);
    },
    bool(name: string, fallback: boolean) {
      const value = raw(name)?.toLowerCase();
      if (value === undefined) return fallback;
      if (['1', 'true', 'yes', 'on'].includes(value)) return true;
      if (['0', 'false', 'no', 'off'].includes(value)) return false;
      problems.push(`${name} must be true or false (got ${JSON.stringify(value)})`);
      return fallback;
    },
    durationMs(name: string, fallback: number) {
      const value = raw(name);
      if (value === undefined) return fallback;
      const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(value);
      if (!match) {
        problems.push(`${name} must be a duration like 500ms, 2s, 5m, 90d (got ${JSON.stringify(value)})`);
        return fallback;
      }
      return Number(match[1]) * DURATION_UNITS[match[2] ?? 'ms'];
    },
    date(name: string, fallback: string) {
      const value = raw(name) ?? fallback;
      const parsed = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
      if (Number.isNaN(parsed.getTime())) {
        problems.push(`${name} must be a date YYYY-MM-DD or an ISO-8601 time (got ${JSON.stringify(value)})`);
        return new Date(`${fallback}T00:00:00Z`);
      }
      return parsed;
    },
    list(name: string, fallback: string[]) {
      const value = raw(name);
      if (value === undefined) return fallback;
      return value.split(',').map((item) => item.trim()).filter((item) => item.length > 0);
    },
    oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
      const value = raw(name);
      if (value === undefined) return fallback;
      if (!(allowed as readonly string[]).includes(value)) {
        problems.push(`${name} must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
        return fallback;
      }
      return value as T;
    },
    done() {
      if (problems.length > 0) throw new ConfigError(problems);
    },
  };
  return reader;
}

/** Builds a config with `build`, and on any bad variable prints them all and exits non-zero. */
export function loadConfigOrExit<T>(build: (env: EnvReader) => T, env: Env = process.env): T {
  const reader = envReader(env);
  try {
    // A builder may also throw ConfigError itself for checks the reader cannot express.
    const config = build(reader);
    reader.done();
    return config;
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) process.stderr.write(`configuration error: ${problem}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}
