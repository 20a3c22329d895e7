import type { Linter } from 'eslint';

export declare const htmlApiPattern: { group: string[]; message: string };
export declare const htmlBoundaryRule: Linter.RuleEntry;
export declare function withHtmlBoundary(rule: Linter.RuleEntry): Linter.RuleEntry;
