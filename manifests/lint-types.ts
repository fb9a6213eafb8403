// What lint reads and what it reports.

export interface LintInput {
  file: string;
  text: string;
}

/** An error fails the lint; a warning is printed and fails it only with --strict. */
export type Severity = 'error' | 'warning';

export interface Finding {
  file: string;
  /** 1-based document number in the file. */
  doc: number;
  /** 1-based item number when the document is a list (kind List, any *List, ManifestList). */
  item?: number;
  /** 1-based line and column of the field (or of its nearest enclosing field when it is missing). */
  line: number;
  column: number;
  /** Kind/name, or ? when unknown. */
  object: string;
  path: string;
  message: string;
  /** What to change, specific to the rule that found it. */
  fix: string;
  severity: Severity;
  /** Set on the warning about an API version only earlier releases serve: what to ask a cluster (lint --cluster). */
  retired?: { apiVersion: string; kind: string };
}

/** A finding before its position in the file is known. */
export type Unplaced = Omit<Finding, 'line' | 'column'> & Partial<Pick<Finding, 'line' | 'column'>>;

/** What one rule finds, before the file, document and position are known. */
export interface RuleFinding {
  path: string;
  message: string;
  /** What to change, specific to this rule. */
  fix: string;
  /** This finding explains the schema errors at and below its path, which are then not reported. */
  explains?: boolean;
}
