/**
 * A configuration that cannot be used, with every problem found (each naming its key). Its own
 * module so the edge runtimes can throw it without bundling the TOML loader.
 */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(source: string, problems: readonly string[]) {
    super(
      `invalid configuration in ${source}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
