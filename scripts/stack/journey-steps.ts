export interface JourneyStep {
  name: string;
  ms: number;
  detail: string;
}

export type StepReporter = (step: JourneyStep) => void;

/** Runs named steps, timing each and reporting it; a failing step throws with its name. */
export function stepRunner(report: StepReporter = () => undefined) {
  const steps: JourneyStep[] = [];
  const step = async <T>(name: string, work: () => Promise<{ value: T; detail: string }>): Promise<T> => {
    const started = Date.now();
    try {
      const { value, detail } = await work();
      const done = { name, ms: Date.now() - started, detail };
      steps.push(done);
      report(done);
      return value;
    } catch (error) {
      throw new Error(`journey step "${name}" failed after ${Date.now() - started} ms: ${(error as Error).message}`);
    }
  };
  return { steps, step };
}
export type Step = ReturnType<typeof stepRunner>['step'];

export function summaryTable(steps: JourneyStep[]): string {
  const width = Math.max(...steps.map((s) => s.name.length), 4);
  const total = steps.reduce((sum, s) => sum + s.ms, 0);
  const rows = steps.map(
    (s, i) =>
      `${String(i + 1).padStart(2)}  ${s.name.padEnd(width)}  ${`${(s.ms / 1000).toFixed(1)} s`.padStart(8)}  ok`,
  );
  return [
    `    ${'step'.padEnd(width)}  ${'time'.padStart(8)}`,
    ...rows,
    `    ${'total'.padEnd(width)}  ${`${(total / 1000).toFixed(1)} s`.padStart(8)}`,
  ].join('\n');
}
