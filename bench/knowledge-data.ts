/**
 * Data for bench/knowledge.bench.ts: synthetic chunks for the retrieval timings and a small
 * labelled question set (each question names the one fact it should retrieve, worded
 * differently from the fact: other word forms, fewer shared words).
 */
export const VOCABULARY = (() => {
  let x = 88172645;
  const next = () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), (x >>> 0) / 4294967296);
  return Array.from({ length: 4000 }, () =>
    Array.from(
      { length: 3 + Math.floor(next() * 7) },
      () => 'etaoinshrdlcumwfgypbvkjxqz'[Math.floor(next() ** 2 * 26)],
    ).join(''),
  );
})();

/** A chunk-sized text (~1,600 characters) of vocabulary words, different for each `n`. */
export function syntheticChunk(n: number): string {
  const words: string[] = [];
  let length = 0;
  for (let i = 0; length < 1600; i++) {
    const w = VOCABULARY[(n * 7919 + i * 104729 + ((n * i) % 613)) % VOCABULARY.length];
    words.push(w);
    length += w.length + 1;
  }
  return words.join(' ');
}

export interface LabelledFact {
  readonly fact: string;
  readonly question: string;
}

export const LABELLED: readonly LabelledFact[] = [
  {
    fact: 'Carbon frames carry a seven year warranty under the Zephyr Care plan.',
    question: 'How long is the guarantee on a carbon frame?',
  },
  {
    fact: 'Unridden bicycles may be returned within 45 days with the original receipt.',
    question: 'Can I return a bike I never rode?',
  },
  {
    fact: 'A standard service costs 65 pounds and includes gear and brake adjustment.',
    question: 'What is the price of servicing my brakes and gears?',
  },
  { fact: 'Puncture repairs cost 12 pounds while you wait.', question: 'How much to fix a punctured tyre?' },
  {
    fact: 'E-bike motor diagnostics cost 40 pounds.',
    question: 'Do you check electric bike motors and what does it cost?',
  },
  { fact: 'The shop opens Tuesday to Saturday, 9am to 6pm.', question: 'When are you open on Saturdays?' },
  { fact: 'Helmets and clothing can be exchanged within 14 days.', question: 'Can I swap a helmet for another size?' },
  { fact: 'Tandems rent for 50 pounds a day, including two helmets.', question: 'Is tandem rental possible?' },
  {
    fact: 'We deliver bikes within 20 miles of Bristol for free.',
    question: 'Do you deliver bicycles to nearby towns?',
  },
  {
    fact: 'Cycle to Work scheme vouchers are accepted for any bike up to 2000 pounds.',
    question: 'Can I pay using a cycle-to-work voucher?',
  },
  { fact: 'Bike fitting sessions last ninety minutes and cost 120 pounds.', question: 'How long does a fitting take?' },
  {
    fact: 'Tubeless tyre conversion costs 30 pounds per wheel.',
    question: 'What do you charge to convert wheels to tubeless?',
  },
  {
    fact: 'Children bikes can be traded in for credit when your child outgrows them.',
    question: 'My kid outgrew his bike, can I trade it?',
  },
  {
    fact: 'Batteries for e-bikes carry a two year warranty.',
    question: 'What guarantee comes with an e-bike battery?',
  },
  { fact: 'Parking for customers is behind the shop on Harbour Lane.', question: 'Where can I park my car?' },
  {
    fact: 'Gift cards are sold in amounts from 10 to 500 pounds and never expire.',
    question: 'Do gift vouchers expire?',
  },
  { fact: 'Saddles can be tested for a week before you buy them.', question: 'Can I try a saddle first?' },
  { fact: 'Group rides leave the shop every Sunday at 8am.', question: 'Are there club rides on Sundays?' },
  { fact: 'Wheel truing costs 18 pounds per wheel.', question: 'What is the charge to true a buckled wheel?' },
  { fact: 'Road bikes are sold with free pedals and a bottle cage.', question: 'Do road bicycles come with pedals?' },
];
