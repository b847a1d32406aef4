/**
 * Reads a recipe directory: recipe.yaml, profiles/*.yaml, overrides/{districts,villages}/*.yaml,
 * the files its steps name and the .deb files its layers list. Never prints: problems come back
 * as an InputError with file and field.
 */
import { readFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parse as parseYaml, YAMLError } from 'yaml';
import { yamlErrorLine } from '../yaml-guard.js';
import { InputError, MAX_YAML_ALIASES, yamlMessage, type InputIssue } from '../errors.js';
import { overrideSchema, recipeSchema, referencedFiles, type Recipe, type RecipeOverride } from './recipe.js';

export const DEFAULT_RECIPE_DIR = fileURLToPath(new URL('../../recipes/kiosk/', import.meta.url));

function issuesOf(file: string, error: { issues: Array<{ path: PropertyKey[]; message: string }> }): InputIssue[] {
  return error.issues.map((i) => ({ file, field: i.path.map(String).join('.') || undefined, message: i.message }));
}

async function yamlFile(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  const lineCounter = new LineCounter();
  try {
    return parseYaml(text, { maxAliasCount: MAX_YAML_ALIASES, logLevel: 'error', lineCounter });
  } catch (e) {
    // the line goes in the issue's own field (a quote left open: the line it opened on)
    const line = e instanceof YAMLError ? yamlErrorLine(e, text, lineCounter) : undefined;
    throw new InputError([{ file, line, message: yamlMessage(e) }]);
  }
}

async function layerDir(dir: string): Promise<Record<string, RecipeOverride>> {
  const out: Record<string, RecipeOverride> = {};
  if (!existsSync(dir)) return out;
  for (const f of (await readdir(dir)).sort()) {
    if (!f.endsWith('.yaml') && !f.endsWith('.yml')) continue;
    const file = join(dir, f);
    const r = overrideSchema.safeParse((await yamlFile(file)) ?? {});
    if (!r.success) throw new InputError(issuesOf(file, r.error));
    out[f.replace(/\.ya?ml$/, '')] = r.data;
  }
  return out;
}

export async function loadRecipe(dir = DEFAULT_RECIPE_DIR): Promise<Recipe> {
  const root = resolve(dir);
  const file = join(root, 'recipe.yaml');
  if (!existsSync(file)) throw new InputError([{ file, message: 'no recipe.yaml in this directory' }]);
  const r = recipeSchema.safeParse(await yamlFile(file));
  if (!r.success) throw new InputError(issuesOf(file, r.error));
  const data = r.data;
  const profiles = await layerDir(join(root, 'profiles'));
  const districts = await layerDir(join(root, 'overrides', 'districts'));
  const villages = await layerDir(join(root, 'overrides', 'villages'));
  const files: Record<string, string> = {};
  for (const rel of referencedFiles(data)) {
    try {
      files[rel] = await readFile(join(root, rel), 'utf8');
    } catch {
      throw new InputError([{ file, field: rel, message: `file ${rel} named by the recipe is missing` }]);
    }
  }
  const debFiles: Record<string, Uint8Array> = {};
  for (const layer of [{ debs: data.debs }, ...Object.values(profiles), ...Object.values(districts), ...Object.values(villages)]) {
    for (const d of layer.debs ?? []) {
      if (debFiles[d.file]) continue;
      const p = isAbsolute(d.file) ? d.file : join(root, d.file);
      try {
        debFiles[d.file] = await readFile(p);
      } catch {
        throw new InputError([{ file, field: `debs ${d.name}`, message: `.deb file ${p} is missing` }]);
      }
    }
  }
  return { dir: root, data, profiles, districts, villages, files, debFiles };
}
