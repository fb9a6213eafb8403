// uPlot's script and styles, inlined into each report (a report opens offline): read from the
// files the CLI bundle carries beside it (scripts/build-cli.mjs), or from the package in a checkout.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ExternalError } from '../errors.js';

export interface ChartAssets {
  js: string;
  css: string;
}

let cached: ChartAssets | undefined;

declare const SHIPLINE_UPLOT_DIR: string | undefined;

function uplotFile(name: string): string {
  if (typeof SHIPLINE_UPLOT_DIR === 'string') return fileURLToPath(new URL(`${SHIPLINE_UPLOT_DIR}${name}`, import.meta.url));
  return createRequire(import.meta.url).resolve(`uplot/dist/${name}`);
}

export function chartAssets(): ChartAssets {
  if (cached) return cached;
  try {
    cached = {
      js: readFileSync(uplotFile('uPlot.iife.min.js'), 'utf8'),
      css: readFileSync(uplotFile('uPlot.min.css'), 'utf8'),
    };
    return cached;
  } catch (error) {
    throw new ExternalError(`cannot read the chart library (npm package uplot): ${(error as Error).message}`, {
      cause: error,
      hint: 'reinstall shipline (its package carries the chart library beside the CLI)',
    });
  }
}
