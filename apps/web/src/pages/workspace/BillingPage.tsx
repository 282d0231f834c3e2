import { Alert, Badge, Button, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, errorMessage, type Plan, unwrap } from '../../api/client';
import { keys, useBilling, usePlans } from '../../api/queries';
import { EmptyState, ErrorState, Loading, statusLabel } from '../../components/States';
import { canManage, useCurrentWorkspace } from './WorkspaceLayout';

function price(plan: Plan): string {
  const amount = new Intl.NumberFormat(undefined, { style: 'currency', currency: plan.currency.toUpperCase() }).format(
    plan.amount / 100,
  );
  return `${amount} / ${plan.interval}`;
}

function redirectTo(url: string): void {
  window.location.assign(url);
}

export function BillingPage() {
  const workspace = useCurrentWorkspace();
  const [params] = useSearchParams();
  const returning = params.get('checkout');
  // After Stripe sends the browser back, the webhook may land a moment later: poll until it has.
  const billing = useBilling(workspace.id, returning === 'success' ? 2000 : false);
  const waitingForWebhook = returning === 'success' && billing.data?.workspaceStatus === 'pending_payment';
  const client = useQueryClient();
  const billedStatus = billing.data?.workspaceStatus;
  useEffect(() => {
    // The header shows the workspace's status: refresh it when billing moved it on.
    if (billedStatus && billedStatus !== workspace.status)
      void client.invalidateQueries({ queryKey: keys.workspace(workspace.id) });
  }, [billedStatus, workspace.status, workspace.id, client]);
  const plans = usePlans();
  const checkout = useMutation({
    mutationFn: (planId: string) =>
      unwrap(api.POST('/api/workspaces/{id}/checkout', { params: { path: { id: workspace.id } }, body: { planId } })),
    onSuccess: ({ url }) => redirectTo(url),
  });
  const portal = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/api/workspaces/{id}/billing-portal', { params: { path: { id: workspace.id } } })),
    onSuccess: ({ url }) => redirectTo(url),
  });
  const manage = canManage(workspace);

  if (billing.isPending) return <Loading />;
  if (billing.isError) return <ErrorState error={billing.error} onRetry={() => void billing.refetch()} />;
  const status = billing.data;
  const subscribed =
    status.subscription !== null && !['canceled', 'incomplete_expired'].includes(status.subscription.status);

  return (
    <Stack gap="md">
      {returning === 'success' ? (
        <Alert
          color={waitingForWebhook ? 'blue' : 'green'}
          title={waitingForWebhook ? 'Confirming your payment…' : 'Payment received'}
          role="status"
          data-testid="checkout-return"
        >
          {waitingForWebhook
            ? 'Stripe has sent you back; we are waiting for its confirmation. This page updates by itself.'
            : `Thank you. Your workspace is now ${statusLabel(status.workspaceStatus)}; your dedicated server is being set up.`}
          {!waitingForWebhook ? (
            <div>
              <Button component={Link} to="../provisioning" size="xs" mt="xs" variant="light">
                Follow the server set-up
              </Button>
            </div>
          ) : null}
        </Alert>
      ) : null}
      {returning === 'canceled' ? (
        <Alert color="yellow" title="Checkout canceled" role="status" data-testid="checkout-return">
          Nothing was charged. Pick a plan whenever you are ready.
        </Alert>
      ) : null}
      <Card withBorder>
        <Title order={2} size="h4" mb="sm">
          Subscription
        </Title>
        {status.subscription ? (
          <Stack gap={4}>
            <Group gap="xs">
              <Badge variant="light">{statusLabel(status.subscription.status)}</Badge>
              {status.subscription.planId ? <Text size="sm">Plan: {status.subscription.planId}</Text> : null}
            </Group>
            {status.subscription.currentPeriodEnd ? (
              <Text size="sm" c="dimmed">
                {status.subscription.cancelAtPeriodEnd ? 'Ends' : 'Renews'} on{' '}
                {new Date(status.subscription.currentPeriodEnd).toLocaleDateString()}
              </Text>
            ) : null}
            {status.graceEndsAt ? (
              <Text size="sm" c="orange">
                Payment failed: the workspace is suspended on {new Date(status.graceEndsAt).toLocaleString()} unless the
                card is updated.
              </Text>
            ) : null}
            {status.deprovisionAt ? (
              <Text size="sm" c="red">
                The server and its data are destroyed on {new Date(status.deprovisionAt).toLocaleString()}.
              </Text>
            ) : null}
          </Stack>
        ) : (
          <Text size="sm" c="dimmed">
            No subscription yet.
          </Text>
        )}
        {status.hasCustomer && manage ? (
          <Group mt="md">
            <Button variant="default" onClick={() => portal.mutate()} loading={portal.isPending}>
              Manage billing (cards, invoices, cancel)
            </Button>
          </Group>
        ) : null}
        {portal.isError ? (
          <Text c="red" size="sm" role="alert" mt="xs">
            {errorMessage(portal.error)}
          </Text>
        ) : null}
      </Card>
      {!subscribed ? (
        <Card withBorder>
          <Title order={2} size="h4" mb="sm">
            Choose a plan
          </Title>
          {!manage ? (
            <Text size="sm" c="dimmed">
              Only the workspace's owner or an admin can subscribe.
            </Text>
          ) : plans.isPending ? (
            <Loading />
          ) : plans.isError ? (
            <ErrorState error={plans.error} onRetry={() => void plans.refetch()} />
          ) : plans.data.plans.length === 0 ? (
            <EmptyState title="No plans on sale">Billing is not configured on this deployment.</EmptyState>
          ) : (
            <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }}>
              {plans.data.plans.map((plan) => (
                <Card key={plan.id} withBorder padding="md">
                  <Text fw={600}>{plan.name}</Text>
                  <Text size="xl" fw={700} my="xs">
                    {price(plan)}
                  </Text>
                  <Button
                    onClick={() => checkout.mutate(plan.id)}
                    loading={checkout.isPending && checkout.variables === plan.id}
                    disabled={checkout.isPending}
                  >
                    Subscribe to {plan.name}
                  </Button>
                </Card>
              ))}
            </SimpleGrid>
          )}
          {checkout.isError ? (
            <Text c="red" size="sm" role="alert" mt="xs">
              {errorMessage(checkout.error)}
            </Text>
          ) : null}
        </Card>
      ) : null}
    </Stack>
  );
}
