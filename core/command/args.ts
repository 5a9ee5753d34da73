/**
 * Command argument declarations (Nekro's `Arg(...)`), typed so that a handler's parameters are inferred:
 * `args: { city: Arg.str('城市名', { default: '北京', positional: true }), days: Arg.int('天数', { range: [1, 7], default: 3 }) }`
 * gives the handler `{ city: string; days: number }`. No `default` means required.
 */
export type ArgType = 'str' | 'int' | 'float' | 'bool';

type ValueOf<T extends ArgType> = T extends 'str' ? string : T extends 'bool' ? boolean : number;

export interface ArgOptions<V> {
  /** Absent = required. */
  default?: V;
  /** May be given by position (`/cmd Alice`) as well as by name (`/cmd name:Alice`). */
  positional?: boolean;
  /** Takes the rest of the text. */
  greedy?: boolean;
  /** Allowed values (checked for `str` arguments, as in Nekro). */
  choices?: readonly string[];
  /** Inclusive `[min, max]` for `int` and `float` arguments. */
  range?: readonly [number, number];
  /** Extra guidance for the agent, exported as `x-prompt-hint`. */
  promptHint?: string;
}

export interface ArgSpec<T extends ArgType = ArgType, V = ValueOf<T>, Required extends boolean = boolean> {
  readonly type: T;
  readonly description: string;
  readonly required: Required;
  readonly default: V | undefined;
  readonly positional: boolean;
  readonly greedy: boolean;
  readonly choices: readonly string[] | undefined;
  readonly range: readonly [number, number] | undefined;
  readonly promptHint: string | undefined;
}

export type ArgSpecs = Readonly<Record<string, ArgSpec>>;

/** The handler's argument object for a declaration: required ones always present, the others defaulted. */
export type InferArgs<A extends ArgSpecs> = { [K in keyof A]: A[K] extends ArgSpec<ArgType, infer V> ? V : never };

function make<T extends ArgType>(type: T) {
  function build<V extends ValueOf<T>>(description: string, opts: ArgOptions<V> & { default: V }): ArgSpec<T, ValueOf<T>, false>;
  function build(description?: string, opts?: ArgOptions<ValueOf<T>>): ArgSpec<T, ValueOf<T>, true>;
  function build(description = '', opts: ArgOptions<ValueOf<T>> = {}): ArgSpec<T, ValueOf<T>, boolean> {
    return {
      type,
      description,
      required: !('default' in opts) || opts.default === undefined,
      default: opts.default,
      positional: opts.positional ?? false,
      greedy: opts.greedy ?? false,
      choices: opts.choices,
      range: opts.range,
      promptHint: opts.promptHint,
    };
  }
  return build;
}

export const Arg = {
  str: make('str'),
  int: make('int'),
  float: make('float'),
  bool: make('bool'),
};
