import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './engine-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const llm = { llmProvider: 'openai', llmModel: 'gpt-4o-mini' } as const;

describe('engine: planner', () => {
  it('asks the hub LLM with a JSON schema and uses a valid plan', async () => {
    h = await startHarness({
      config: { ...llm, strategy: null },
      prepare: (hub) =>
        hub.queueLlm('planner', '```json\n{"strategy":"rsi","lookback":14,"threshold":0.4,"reasoning":"ranging market"}\n```'),
    });
    await h.flush();
    const req = h.hub.llmRequests[0];
    expect(req.purpose).toBe('planner');
    expect(req.jsonSchema).toMatchObject({ required: ['strategy', 'lookback', 'threshold', 'reasoning'] });
    expect(h.engine.status().strategy).toBe('rsi_signal');
    expect(h.hub.decisions).toEqual([
      expect.objectContaining({
        action: 'PLAN',
        strategy: 'rsi_signal',
        reasoning: expect.stringMatching(/^llm: lookback 14, threshold 0.4\. ranging market/),
      }),
    ]);
    expect(h.lines.filter((l) => l.msg.startsWith('plan (llm): rsi_signal, lookback 14, threshold 0.4'))).toHaveLength(1);
  });

  it('falls back to the rules planner on malformed JSON, and logs it', async () => {
    h = await startHarness({
      config: { ...llm, strategy: null },
      prepare: (hub) => hub.queueLlm('planner', 'I think momentum is best {"strategy": '),
    });
    await h.flush();
    expect(h.lines.some((l) => l.level === 'warn' && /^planner: LLM plan invalid \(no JSON object/.test(l.msg))).toBe(true);
    expect(h.hub.decisions).toHaveLength(1);
    expect(h.hub.decisions[0]).toMatchObject({ action: 'PLAN', reasoning: expect.stringMatching(/^rules:/) });
    // The fake hub's default candles (300 gentle bars) are enough for a regime read.
    expect(h.hub.decisions[0].strategy).toBe(h.engine.status().strategy);
    expect(h.hub.logs.some((e) => e.message.includes('LLM plan invalid'))).toBe(true);
  });

  it('falls back on an unknown strategy or an out-of-range threshold', async () => {
    h = await startHarness({
      config: { ...llm, strategy: null },
      prepare: (hub) => hub.queueLlm('planner', '{"strategy":"moon_shot","lookback":10,"threshold":0.3,"reasoning":"x"}'),
    });
    expect(h.lines.some((l) => l.msg.includes('unknown strategy "moon_shot"'))).toBe(true);
    await h.close();
    h = await startHarness({
      config: { ...llm, strategy: null },
      prepare: (hub) => hub.queueLlm('planner', '{"strategy":"momentum","lookback":10,"threshold":0.0015,"reasoning":"x"}'),
    });
    expect(h.lines.some((l) => l.msg.includes('threshold 0.0015 is not in 0.05..1'))).toBe(true);
    expect(h.lines.some((l) => l.msg.startsWith('plan (rules)'))).toBe(true);
  });

  it("falls back to the rules planner when the hub refuses the LLM (429: the owner's daily budget is spent)", async () => {
    h = await startHarness({ config: { ...llm, strategy: null }, prepare: (hub) => hub.failNext('llm', 1, '429') });
    await h.flush();
    expect(h.lines.some((l) => l.level === 'warn' && l.msg.startsWith('planner: LLM unavailable'))).toBe(true);
    expect(h.hub.decisions[0]).toMatchObject({ action: 'PLAN', reasoning: expect.stringMatching(/^rules:/) });
  });

  it('without an LLM provider never calls the LLM', async () => {
    h = await startHarness({ config: { strategy: null, llmProvider: null } });
    h.signal.value = 0.6;
    await h.ticks(10);
    expect(h.hub.llmRequests).toHaveLength(0);
    expect(h.lines.some((l) => l.msg.startsWith('plan (rules)'))).toBe(true);
  });
});

describe('engine: supervisor', () => {
  /** Opens a long on the second tick (t = 10 s); the supervisor is due 60 s later. */
  async function openAndWaitForSupervisor(x: Harness): Promise<void> {
    x.signal.value = 0.6;
    await x.tick();
    expect(x.engine.status().position).not.toBeNull();
    x.signal.value = 0.1;
    await x.ticks(5); // t = 60 s: not yet
    expect(x.hub.llmRequests.filter((r) => r.purpose === 'supervisor')).toHaveLength(0);
    await x.tick(); // t = 70 s
  }

  it('a malformed verdict keeps the position, is logged and pushed as KEEP', async () => {
    h = await startHarness({ config: { ...llm, supervisorIntervalSeconds: 60, pollSeconds: 10 } });
    h.hub.queueLlm('supervisor', 'CLOSE IT NOW!!!');
    await openAndWaitForSupervisor(h);
    expect(h.hub.llmRequests.filter((r) => r.purpose === 'supervisor')).toHaveLength(1);
    expect(h.engine.status().position).not.toBeNull();
    expect(h.lines.filter((l) => l.msg.startsWith('supervisor: KEEP (answer rejected: no JSON object in the answer'))).toHaveLength(1);
    await h.flush();
    expect(h.hub.decisions.filter((d) => d.action === 'KEEP')).toHaveLength(1);
  });

  it('CLOSE closes the position through the hub after pushing the decision', async () => {
    h = await startHarness({ config: { ...llm, supervisorIntervalSeconds: 60, pollSeconds: 10 } });
    h.hub.queueLlm('supervisor', '{"action":"close","reasoning":"momentum faded","confidence":0.8}');
    await openAndWaitForSupervisor(h);
    expect(h.hub.orders.filter((o) => o.action === 'close').map((o) => o.reason)).toEqual(['supervisor: momentum faded']);
    await h.flush();
    expect(h.hub.decisions.find((d) => d.action === 'CLOSE')).toMatchObject({ confidence: 0.8, reasoning: 'momentum faded' });
  });

  it('ADJUST_TP_SL in fixed mode is treated as KEEP', async () => {
    h = await startHarness({ config: { ...llm, supervisorIntervalSeconds: 60, pollSeconds: 10, tpPct: 5, slPct: 5 } });
    h.hub.queueLlm('supervisor', '{"action":"ADJUST_TP_SL","reasoning":"tighten","confidence":0.6}');
    await openAndWaitForSupervisor(h);
    expect(h.engine.status().position).toMatchObject({ tpPrice: expect.closeTo(105, 9), slPrice: expect.closeTo(95, 9) });
    expect(h.lines.some((l) => l.msg === 'supervisor: KEEP (answer rejected: ADJUST_TP_SL needs the dynamic TP/SL mode)')).toBe(true);
  });

  it('ADJUST_TP_SL in dynamic mode moves the levels to the prices the supervisor named', async () => {
    h = await startHarness({ config: { ...llm, supervisorIntervalSeconds: 60, pollSeconds: 10, tpSlMode: 'dynamic' } });
    h.hub.queueLlm('supervisor', '{"action":"ADJUST_TP_SL","tpPrice":104,"slPrice":99,"confidence":0.6,"reasoning":"tighten"}');
    await openAndWaitForSupervisor(h);
    expect(h.engine.status().position).toMatchObject({ tpPrice: 104, slPrice: 99 });
    expect(h.lines.some((l) => l.msg === 'supervisor: ADJUST_TP_SL (TP 104, SL 99) — tighten')).toBe(true);
    await h.flush();
    expect(h.hub.decisions.find((d) => d.action === 'ADJUST_TP_SL')).toMatchObject({ tpPrice: 104, slPrice: 99, confidence: 0.6 });
  });

  it('ADJUST_TP_SL without levels is refused: KEEP, levels unchanged', async () => {
    h = await startHarness({ config: { ...llm, supervisorIntervalSeconds: 60, pollSeconds: 10, tpSlMode: 'dynamic' } });
    h.hub.queueLlm('supervisor', '{"action":"ADJUST_TP_SL","tpPrice":null,"slPrice":null,"confidence":0.6,"reasoning":"recompute"}');
    await openAndWaitForSupervisor(h);
    const before = h.engine.status().position!;
    await h.tick();
    expect(h.engine.status().position).toMatchObject({ tpPrice: before.tpPrice, slPrice: before.slPrice });
    expect(h.lines.some((l) => l.msg === 'supervisor: KEEP (answer rejected: ADJUST_TP_SL without tpPrice or slPrice)')).toBe(true);
    await h.flush();
    expect(h.hub.decisions.filter((d) => d.action === 'KEEP')).toEqual([
      expect.objectContaining({ reasoning: 'kept: answer rejected: ADJUST_TP_SL without tpPrice or slPrice' }),
    ]);
  });

  it('an unreachable supervisor keeps the position and is logged once', async () => {
    h = await startHarness({ config: { ...llm, supervisorIntervalSeconds: 10, pollSeconds: 10 } });
    h.hub.failNext('llm', 100, '503');
    h.signal.value = 0.6;
    await h.tick();
    h.signal.value = 0;
    await h.ticks(5);
    expect(h.hub.llmRequests).toHaveLength(0); // every attempt failed before reaching the handler's record
    expect(h.engine.status().position).not.toBeNull();
    expect(h.lines.filter((l) => l.msg.startsWith('supervisor unavailable'))).toHaveLength(1);
  });
});
