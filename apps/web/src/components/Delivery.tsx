import { Text } from '@mantine/core';

/** What the API says about pushing a change to the node: done, or waiting for it to come online. */
export function DeliveryNote({ delivery }: { delivery: 'delivered' | 'pending' | undefined }) {
  if (!delivery) return null;
  return (
    <Text size="sm" c={delivery === 'delivered' ? 'green' : 'yellow.8'} role="status">
      {delivery === 'delivered'
        ? 'Saved and delivered to your server.'
        : 'Saved. It reaches your server as soon as the server is online.'}
    </Text>
  );
}
