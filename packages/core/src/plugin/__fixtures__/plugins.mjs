// Plugins as a module outside core would write them: no import, a hand-written Standard Schema.
const schema = (check) => ({
  '~standard': {
    version: 1,
    vendor: 'fixture',
    validate: (value) => {
      const issues = check(value);
      return issues.length > 0 ? { issues } : { value };
    },
  },
});

const region = schema((o) =>
  o.region === 'eu' || o.region === 'us' ? [] : [{ path: ['region'], message: 'expected eu or us' }],
);

export const provider = {
  kind: 'provider',
  name: 'fixture',
  options: region,
  create: (options) => ({
    name: `fixture-${options.region}`,
    resolveUsers: async (keys) => ({ resolved: keys.map((key) => ({ key, id: key })), unresolved: [] }),
    getPresence: async () => [],
  }),
};

export const notifier = {
  kind: 'notifier',
  name: 'fixture-notifier',
  options: schema(() => []),
  create: (_options, context) => ({ name: context.name, deliver: async () => {} }),
};

export default [provider, notifier];
