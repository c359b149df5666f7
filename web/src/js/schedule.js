// SPDX-License-Identifier: LGPL-2.1-or-later
// Reading the schedule (testfest-schedule/1, see controller/sched): slots
// with their times, and which one is on now.

import { tableKey } from './dom.js';

export function slotsOf(schedule) {
  const slots = new Map();
  for (const e of schedule?.sessions ?? []) {
    if (typeof e.slot !== 'number') continue;
    const start = Date.parse(e.start);
    const end = Date.parse(e.end);
    if (!slots.has(e.slot)) slots.set(e.slot, { slot: e.slot, start, end });
  }
  return [...slots.values()].sort((a, b) => a.slot - b.slot);
}

const ACTIVE = ['preparing', 'running'];

// The slot being worked in: the slot of the sessions that are preparing or
// running (the daemon's word, whatever the clock says: an event dated in the
// future still runs its sessions in order); else the slot on now by the
// clock; else the next one; else the last one. null without a schedule.
export function currentSlot(schedule, now, sessions = null) {
  const slots = slotsOf(schedule);
  if (slots.length === 0) return null;
  if (sessions) {
    let running = null;
    for (const [, s] of sessions) {
      if (ACTIVE.includes(s.phase) && typeof s.slot === 'number' && (running === null || s.slot > running)) {
        running = s.slot;
      }
    }
    const slot = running === null ? null : slots.find((x) => x.slot === running);
    if (slot) return { ...slot, when: 'running' };
  }
  const on = slots.find((s) => s.start <= now && now < s.end);
  if (on) return { ...on, when: 'now' };
  const next = slots.find((s) => s.start > now);
  if (next) return { ...next, when: 'next' };
  return { ...slots[slots.length - 1], when: 'last' };
}

// Where each session of @slot stands: table key -> { id, entry, state }.
// The session's own state (re-planned or not) wins over the schedule.
export function sessionsAt(schedule, sessions, slot) {
  const at = new Map();
  const placed = new Set();
  for (const [id, s] of sessions) {
    if (s.slot === slot && s.table !== undefined) {
      at.set(tableKey(s.table), { id, entry: null, state: s });
      placed.add(id);
    }
  }
  for (const e of schedule?.sessions ?? []) {
    if (e.slot !== slot || placed.has(e.id)) continue;
    const s = sessions.get(e.id);
    if (s && s.slot !== undefined && s.slot !== slot) continue; // moved elsewhere
    const key = tableKey(e.table);
    if (!at.has(key)) at.set(key, { id: e.id, entry: e, state: s ?? null });
  }
  for (const v of at.values()) {
    if (!v.entry) v.entry = (schedule?.sessions ?? []).find((e) => e.id === v.id) ?? null;
  }
  return at;
}

export function sideOf(x) {
  if (!x) return '?';
  const impl = x.impl ?? x.implementation ?? '?';
  return x.company ? `${impl} (${x.company})` : impl;
}
