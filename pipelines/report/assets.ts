// uPlot's script and styles, read from its installed package to be inlined into each report (a
// report opens offline). The package is a runtime dependency, so an installed CLI has it too.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ExternalError } from '../errors.js';

export interface ChartAssets {
  js: string;
  css: string;
}

let cached: ChartAssets | undefined;

export function chartAssets(): ChartAssets {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  try {
    cached = {
      js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
      css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    };
    return cached;
  } catch (error) {
    throw new ExternalError(`cannot read the chart library (npm package uplot): ${(error as Error).message}`, {
      cause: error,
      hint: 'reinstall shipline with its dependencies (npm install)',
    });
  }
}
