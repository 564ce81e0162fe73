/** A labelled figure (a price, a PnL, a count) in a `.figures` grid. `tone`: `up`, `down` or none. */
export function Figure({ label, value, tone }: { label: string; value: string; tone?: string }) {
  return (
    <div class="figure">
      <span class="muted">{label}</span>
      <span class={tone}>{value}</span>
    </div>
  );
}
