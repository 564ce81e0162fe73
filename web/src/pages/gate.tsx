/** What is shown instead of the dashboard: signing in, not authorised, waiting, denied, session ended, log in. */
import type { ComponentChildren } from 'preact';
import type { Gate } from '../session.js';
import { S } from '../strings.js';

export type GateView = Exclude<Gate, { kind: 'ready' }> | { kind: 'checking' } | { kind: 'failed'; message: string };

function Notice({ kind, title, text, children }: { kind: string; title: string; text: string; children?: ComponentChildren }) {
  return (
    <section class="gate card" data-gate={kind}>
      <h1>{title}</h1>
      <p>{text}</p>
      {children}
    </section>
  );
}

export function GatePage({ gate }: { gate: GateView }) {
  switch (gate.kind) {
    case 'checking':
      return (
        <p class="muted gate" data-gate="checking">
          {S.gate.checking}
        </p>
      );
    case 'unauthorised':
      return (
        <Notice kind="unauthorised" title={S.gate.unauthorisedTitle} text={S.gate.unauthorised}>
          {gate.message && <p class="muted">{gate.message}</p>}
        </Notice>
      );
    case 'expired':
      return <Notice kind="expired" title={S.gate.expiredTitle} text={S.gate.expired} />;
    case 'refused':
      return <Notice kind={gate.status} title={S.gate.refusedTitle[gate.status]} text={gate.message || S.gate.refused[gate.status]} />;
    case 'login':
      return <Notice kind="login" title={S.gate.loginTitle} text={S.gate.login} />;
    case 'failed':
      return <Notice kind="failed" title={S.common.error('')} text={gate.message} />;
  }
}
