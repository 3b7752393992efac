/** What the person behind an event is told if handling it finally fails (areas add their texts). */
export class EventFailureTexts {
  private readonly rules: ((event: unknown) => string | undefined)[] = [];
  /** Each area's rule reads the event shape it knows; an event it does not recognise answers undefined. */
  add<Event>(rule: (event: Event) => string | undefined): void {
    this.rules.push(rule as (event: unknown) => string | undefined);
  }
  textFor(event: unknown): string | undefined {
    for (const rule of this.rules) {
      const text = rule(event);
      if (text) return text;
    }
    return undefined;
  }
}
