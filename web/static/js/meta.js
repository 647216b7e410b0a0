/* The domain constants of the page, served by GET /api/meta (web/meta.py): document types,
 * roles, input patterns, job states, indicators, labels of fields, metadata, review
 * reasons, events and channels. Loaded once after sign-in; the page keeps no copies. */

import { api } from './api.js';

let meta = null; // the answer of /api/meta
let lookup = null; // its lists by key
let loading = null;
const patterns = new Map();

/** Load the constants (once; a failed load is tried again on the next call). */
export function loadMeta() {
  if (meta) return Promise.resolve(meta);
  if (!loading) {
    loading = api('GET', '/api/meta').then((data) => {
      lookup = byKey(data);
      meta = data;
      return meta;
    }).finally(() => {
      loading = null;
    });
  }
  return loading;
}

function byKey(data) {
  const map = (list) => new Map((list || []).map((item) => [item.key, item]));
  return {
    docTypes: map(data.doc_types),
    roles: map(data.roles),
    jobStates: map(data.job_states),
    reasons: map(data.review_reasons),
    refusals: map(data.refusal_reasons),
    fields: map(data.field_labels),
    metadata: map(data.metadata_labels),
    kinds: map(data.event_kinds),
    actions: map(data.event_actions),
    terms: map(data.search_terms),
    channels: new Map((data.channels || []).map((c) => [c.code, c.name])),
  };
}

function loaded() {
  if (!meta) throw new Error('/api/meta is not loaded yet');
  return meta;
}

function named(table, key, fallback) {
  loaded();
  const item = lookup[table].get(key);
  return item ? item.name : fallback;
}

/** Lists, in the order shown. */
export const docTypes = () => loaded().doc_types;
export const roles = () => loaded().roles;
export const eventKinds = () => loaded().event_kinds;
export const indicators = () => loaded().indicators;
/** Field keys in the order a document's fields are shown. */
export const fieldOrder = () => loaded().field_labels.map((f) => f.key);
/** File suffixes (without the dot) the scanners read. */
export const scanSuffixes = () => loaded().scan_suffixes;

/** Percent: an indicator at or above it earns full points. */
export const fullPointsRate = () => loaded().full_points_rate;
/** The default OCR review threshold, 0..1. */
export const reviewConfidence = () => loaded().review_confidence;

export const typeName = (key) => named('docTypes', key, key);
export const roleName = (key) => named('roles', key, key);
export const fieldLabel = (key) => named('fields', key, key);
export const hasFieldLabel = (key) => loaded() && lookup.fields.has(key);
export const metadataLabel = (key) => named('metadata', key, key);
export const reasonName = (code) => named('reasons', code, code);
export const refusalName = (code) => named('refusals', code, code);
export const kindName = (kind) => named('kinds', kind, kind);
export const actionName = (action, fallback) => named('actions', action, fallback);
export const termName = (key) => named('terms', key, key);
export const channelName = (code) => (loaded() && lookup.channels.get(code)) || String(code);

/** A scan job's state: { name, tone, active }; an unknown state is shown as is. */
export function jobState(key) {
  loaded();
  const item = lookup.jobStates.get(key);
  return item || { key, name: key, tone: 'warn', active: false, cancellable: false };
}

/** An input pattern the server enforces (dossier_code, agency_code, procedure_code,
 * username, personal_id) as a RegExp. */
export function pattern(name) {
  if (!patterns.has(name)) {
    const source = loaded().patterns[name];
    let re;
    try {
      re = new RegExp(source);
    } catch (e) {
      re = /^[\s\S]*$/; // not a JavaScript pattern: the server checks it
    }
    patterns.set(name, re);
  }
  return patterns.get(name);
}
