import type { Linter } from 'eslint';

export declare const coreBoundaryRule: Linter.RuleEntry;
