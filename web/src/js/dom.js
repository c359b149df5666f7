// SPDX-License-Identifier: LGPL-2.1-or-later
// Small DOM helpers: build elements, and touch the DOM only when a value changes.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k.startsWith('data-')) el.setAttribute(k, v);
      else if (k in el) el[k] = v;
      else el.setAttribute(k, v);
    }
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

export function setText(el, text) {
  const t = text === null || text === undefined ? '' : String(text);
  if (el.textContent !== t) el.textContent = t;
}

export function setAttr(el, name, value) {
  if (value === null || value === undefined) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
  } else if (el.getAttribute(name) !== String(value)) {
    el.setAttribute(name, value);
  }
}

export function setClass(el, cls) {
  if (el.className !== cls) el.className = cls;
}

const pad = (n) => String(n).padStart(2, '0');

// "21:04:05", or "Oct 14 21:04" when not today; '' for nothing.
export function fmtTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const now = new Date();
  const hms = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  if (d.toDateString() === now.toDateString()) return hms;
  return `${d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })} ${hms.slice(0, 5)}`;
}

export function fmtHM(ms) {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// Tables are numbers in the schedule (1-based) and names such as "T1" in the
// lab file: both become the key "1"; other names stay as they are.
export function tableKey(t) {
  if (t === null || t === undefined || t === '') return null;
  if (typeof t === 'number') return String(t);
  const m = /^(?:t|table\s*)?0*(\d+)$/i.exec(String(t).trim());
  return m ? m[1] : String(t);
}

export function tableLabel(key) {
  return /^\d+$/.test(key) ? `T${key}` : key;
}

// Natural order: sim2 before sim10.
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
export const naturalCompare = (a, b) => collator.compare(a, b);
