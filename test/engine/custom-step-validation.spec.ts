import { StepTypeRegistrationError, type CustomStep } from '../../src';
import { CustomStepTypes, ServiceRegistry, WorkflowRegistry, loadWorkflow } from '../../src/engine';
import { validationProblems } from '../support/validation-problems';

/** A step type that accepts a `url` string and nothing else. */
const fetcher: CustomStep<{ url: string }> = {
  validate: (config) => [
    ...(typeof config['url'] === 'string' ? [] : ['"url" is required (a string)']),
    ...Object.keys(config)
      .filter((key) => key !== 'url')
      .map((key) => `unknown key "${key}" (allowed: url)`),
  ],
  run: async (config) => ({ fetched: config.url }),
};

const types = new CustomStepTypes({ http_get: fetcher });
const services = new ServiceRegistry({ catalog: { item: () => ({}) } });

const workflow = (steps: Record<string, unknown>[], extra: Record<string, unknown> = {}) => ({
  id: 'w',
  name: 'W',
  ...extra,
  steps,
});
const problemsOf = (document: Record<string, unknown>, stepTypes = types) =>
  validationProblems(() => loadWorkflow(document, services, undefined, stepTypes));

describe('loading documents with custom step types', () => {
  it('loads a registered type, in a loop body and a parallel branch too', () => {
    const definition = loadWorkflow(
      workflow([
        { id: 'one', type: 'http_get', url: 'http://127.0.0.1/a', output: 'a', next: 'many' },
        {
          id: 'many',
          type: 'loop',
          over: ['x', 'y'],
          do: [{ id: 'each', type: 'http_get', url: 'http://127.0.0.1/$item' }],
          next: 'both',
        },
        {
          id: 'both',
          type: 'parallel',
          branches: [[{ id: 'left', type: 'http_get', url: '$a.fetched', output: 'left' }]],
        },
      ]),
      services,
      undefined,
      types,
    );
    expect(definition.index.get('one')?.step).toMatchObject({
      type: 'custom',
      step_type: 'http_get',
      config: { url: 'http://127.0.0.1/a' },
      output: 'a',
      retries: 0,
    });
    expect(definition.index.get('each')?.step).toMatchObject({ step_type: 'http_get' });
    expect(definition.index.get('left')?.step).toMatchObject({ step_type: 'http_get' });
  });

  it('fails on an unknown type, naming it and how to add one', () => {
    expect(problemsOf(workflow([{ id: 'x', type: 'http_post', url: 'u' }]))).toEqual([
      `step "x": unknown step type "http_post" (built in: start, end, assign, call, router, loop, parallel, transform, halt, approval, workflow, wait, event; registered: http_get). An application adds a step type with @WorkflowStepType('http_post') on a provider`,
    ]);
  });

  it("names each of the gem's AI steps unless an application registered them", () => {
    const ai = ['agent', 'guardrail', 'handoff', 'file_search', 'mcp'];
    const document = workflow(
      ai.map((type, index) => ({
        id: type,
        type,
        ...(index + 1 < ai.length ? { next: ai[index + 1] } : {}),
      })),
    );
    const problems = problemsOf(document, new CustomStepTypes());
    expect(problems).toHaveLength(ai.length);
    ai.forEach((type, index) =>
      expect(problems[index]).toMatch(new RegExp(`^step "${type}": unknown step type "${type}"`)),
    );
    const registered = new CustomStepTypes(
      Object.fromEntries(ai.map((type) => [type, { validate: () => [], run: async () => null }])),
    );
    expect(problemsOf(document, registered)).toEqual([]);
  });

  it("reports the type's own problems, naming the step and the key", () => {
    expect(problemsOf(workflow([{ id: 'x', type: 'http_get', uri: 'u' }]))).toEqual([
      'step "x": "url" is required (a string)',
      'step "x": unknown key "uri" (allowed: url)',
    ]);
  });

  it('reports a validate() that throws, and one that returns something else than a list', () => {
    const throwing = new CustomStepTypes({
      bad: {
        validate: () => {
          throw new Error('boom');
        },
        run: async () => null,
      },
      odd: { validate: () => 'fine' as unknown as string[], run: async () => null },
    });
    expect(
      problemsOf(
        workflow([
          { id: 'x', type: 'bad', next: 'y' },
          { id: 'y', type: 'odd' },
        ]),
        throwing,
      ),
    ).toEqual([
      'step "x": the bad step type\'s validate() threw: boom',
      'step "y": the odd step type\'s validate() must return a list of strings',
    ]);
  });

  it('checks the common keys as call has them, and the variables the config reads', () => {
    expect(
      problemsOf(
        workflow([
          { id: 'x', type: 'http_get', url: '$nowhere.url', retries: -1, timeout: 'soon' },
        ]),
      ),
    ).toEqual([
      'step "x": "timeout" must be a number ≥ 0.001, got string "soon"',
      'step "x": "retries" must be a whole number ≥ 0, got number -1',
      'step "x": reads $nowhere, which is not set on every path leading to this step',
    ]);
  });

  it('refuses a __proto__ key, and hands validate() a copy of the config', () => {
    const document = JSON.parse(
      '{"id":"w","name":"W","steps":[{"id":"x","type":"http_get","url":"u","__proto__":{"a":1}}]}',
    ) as Record<string, unknown>;
    expect(problemsOf(document)).toContain(
      'step "x": the key "__proto__" would be dropped: "__proto__", "constructor" and "prototype" reach object prototypes, so the value would be lost or read as missing',
    );
    const meddling = new CustomStepTypes({
      meddle: {
        validate: (config) => {
          config['url'] = 'changed';
          return [];
        },
        run: async () => null,
      },
    });
    const definition = loadWorkflow(
      workflow([{ id: 'x', type: 'meddle', url: 'kept' }]),
      services,
      undefined,
      meddling,
    );
    expect(definition.index.get('x')?.step).toMatchObject({ config: { url: 'kept' } });
  });

  it('refuses a custom type that would shadow a built-in one, or a name that is not a name', () => {
    const make = (name: string) => () =>
      new CustomStepTypes({ [name]: { validate: () => [], run: async () => null } });
    expect(make('call')).toThrow(StepTypeRegistrationError);
    expect(make('call')).toThrow(
      '"call" is a built-in step type; give the custom step type another name',
    );
    expect(make('no spaces')).toThrow('"no spaces" is not a step type name');
    expect(
      () => new CustomStepTypes({ half: { validate: () => [] } as unknown as CustomStep }),
    ).toThrow('"half" has no run method: implement CustomStep');
  });
});

describe('JSON Schema in documents', () => {
  const call = (output: unknown) =>
    workflow([{ id: 'fetch', type: 'call', service: 'catalog', method: 'item', output }]);

  it('loads output: {key, schema} on a call step, storing under key', () => {
    const definition = loadWorkflow(
      call({ key: 'item', schema: { type: 'object' } }),
      services,
      undefined,
      types,
    );
    const step = definition.index.get('fetch')?.step as {
      output?: string;
      output_schema?: unknown;
    };
    expect(step.output).toBe('item');
    expect(step.output_schema).toBeDefined();
  });

  it.each([
    [{ type: 'object', properties: 'lines' }, 'data/properties must be object'],
    [{ type: 'object', lenght: 3 }, 'strict mode: unknown keyword: "lenght"'],
    [{ type: 'string', format: 'email' }, '"format": "email" is not checked here'],
    [{ type: 'string', pattern: '(a)\\1' }, 'pattern: invalid escape sequence'],
    [{ type: 'string', pattern: '(?=a)b' }, 'pattern: invalid or unsupported Perl syntax'],
    [{ $ref: 'https://example.com/remote.json' }, "can't resolve reference"],
    ['object', 'a JSON Schema is a map (or true/false)'],
  ])('fails the load on an unusable schema %j, naming the step', (schema, problem) => {
    const problems = problemsOf(call({ key: 'item', schema }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^step "fetch" output: "schema" is not a usable JSON Schema: /);
    expect(problems[0]).toContain(problem);
  });

  it('refuses unknown keys in output, and a key that is not a variable name', () => {
    expect(problemsOf(call({ key: 'bad name', schema: {}, shape: 1 }))).toEqual([
      'step "fetch" output: unknown key "shape" (allowed: key, schema)',
      'step "fetch" output: "key" must be a variable name (letters, digits, _), got "bad name"',
    ]);
  });

  it('checks without storing when output has a schema and no key; refuses an empty output map', () => {
    const definition = loadWorkflow(
      call({ schema: { definitions: { n: { type: 'number' } }, $ref: '#/definitions/n' } }),
      services,
    );
    const step = definition.index.get('fetch')?.step as {
      output?: string;
      output_schema?: unknown;
    };
    expect(step.output).toBeUndefined();
    expect(step.output_schema).toBeDefined();
    expect(problemsOf(call({}))).toEqual(['step "fetch" output: needs "key", "schema" or both']);
  });

  it('refuses a reference to a property an output schema does not list, as the original does', () => {
    const quoteSchema = {
      type: 'object',
      properties: {
        price: { type: 'number' },
        lines: {
          type: 'array',
          items: { type: 'object', properties: { sku: { type: 'string' } } },
        },
        extra: { type: 'object' },
      },
    };
    const using = (reference: string) =>
      workflow([
        {
          id: 'fetch',
          type: 'call',
          service: 'catalog',
          method: 'item',
          output: { key: 'quote', schema: quoteSchema },
          next: 'use',
        },
        { id: 'use', type: 'http_get', url: `http://127.0.0.1/${reference}` },
      ]);
    for (const fine of ['$quote.price', '$quote.lines.0.sku', '$quote.extra.anything', '$quote']) {
      expect(problemsOf(using(fine))).toEqual([]);
    }
    expect(problemsOf(using('$quote.prise'))).toEqual([
      'step "use": $quote.prise: "prise" is not a property (properties: price, lines, extra) in the output schema of "quote"',
    ]);
    expect(problemsOf(using('$quote.lines.0.skew'))).toEqual([
      'step "use": $quote.lines.0.skew: "skew" is not a property (properties: sku) in the output schema of "quote"',
    ]);
  });

  it('matches patterns with RE2: a nested quantifier is tested in linear time', () => {
    const registry = new WorkflowRegistry(services, undefined, types);
    const definition = registry.register(
      workflow([{ id: 's', type: 'start' }], {
        inputs: { code: { type: 'string', schema: { type: 'string', pattern: '^(a+)+$' } } },
      }),
    );
    const schema = definition.inputs['code'].schema!;
    expect(schema.check('aaaa')).toBeNull();
    // A backtracking engine takes exponential time on this input; RE2 answers at once.
    expect(schema.check(`${'a'.repeat(5000)}!`)).toEqual({
      path: '$',
      message: 'must match pattern "^(a+)+$"',
    });
  });

  it('checks an input schema at load: the schema itself, and the default against it', () => {
    expect(
      problemsOf(
        workflow([{ id: 's', type: 'start' }], {
          inputs: {
            qty: { type: 'integer', default: 0, schema: { type: 'integer', minimum: 1 } },
            code: { type: 'string', schema: { type: 'string', minLenght: 1 } },
          },
        }),
      ),
    ).toEqual([
      'input "qty": default does not match its schema at $: must be >= 1',
      'input "code": "schema" is not a usable JSON Schema: strict mode: unknown keyword: "minLenght"',
    ]);
  });

  it('names the JSON path of a nested violation, down to a missing or extra property', () => {
    const definition = loadWorkflow(
      workflow([{ id: 's', type: 'start' }], {
        inputs: {
          order: {
            type: 'object',
            schema: {
              type: 'object',
              properties: {
                lines: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['sku'],
                    additionalProperties: false,
                    properties: { sku: { type: 'string' }, 'unit price': { type: 'number' } },
                  },
                },
              },
            },
          },
        },
      }),
    );
    const schema = definition.inputs['order'].schema!;
    expect(schema.check({ lines: [{ sku: 'A' }, { qty: 1, sku: 'B' }] })).toEqual({
      path: '$.lines[1].qty',
      message: 'must NOT have additional properties',
    });
    expect(schema.check({ lines: [{}] })).toEqual({
      path: '$.lines[0].sku',
      message: "must have required property 'sku'",
    });
    expect(schema.check({ lines: [{ sku: 'A', 'unit price': 'x' }] })).toEqual({
      path: '$.lines[0]["unit price"]',
      message: 'must be number',
    });
  });
});
