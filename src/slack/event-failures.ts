/** What the person behind an event is told if handling it finally fails (areas add their texts). */
export class EventFailureTexts {
  private readonly rules: ((event: any) => string | undefined)[] = [];
  add(rule: (event: any) => string | undefined): void {
    this.rules.push(rule);
  }
  textFor(event: unknown): string | undefined {
    for (const rule of this.rules) {
      const text = rule(event);
      if (text) return text;
    }
    return undefined;
  }
}
