/**
 * Names people pick from the settings' lists (service catalog, ticket categories). Every path that
 * stores one (forms, commands, edits, events) asks this rule, so a made-up or oversized name is refused
 * whatever the payload says.
 */
function unknownNames(given: readonly string[], catalog: readonly string[]): string[] {
  return given.filter((name) => !catalog.includes(name));
}

/**
 * An empty service catalog is allowed (a desk that does not track services): then no form asks for a
 * service (Slack refuses a select without options) and no request needs one.
 */
export function asksForServices(catalog: readonly string[]): boolean {
  return catalog.length > 0;
}

/** A change request names at least one affected service, when there are services to name. */
export function missingServicesRefusal(services: readonly string[], catalog: readonly string[]): string | undefined {
  return services.length === 0 && asksForServices(catalog) ? 'Pick at least one affected service.' : undefined;
}

export function servicesRefusal(services: readonly string[], catalog: readonly string[]): string | undefined {
  const unknown = unknownNames(services, catalog);
  if (unknown.length === 0) return undefined;
  return unknown.length === 1
    ? 'One of those services is not in the service catalog; pick services from the list.'
    : `${unknown.length} of those services are not in the service catalog; pick services from the list.`;
}

export function categoryRefusal(category: string, categories: readonly string[]): string | undefined {
  return categories.includes(category) ? undefined : 'Pick one of the listed categories.';
}
