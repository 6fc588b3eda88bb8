import { db } from "@/lib/db/client";
import { notificationContact } from "@/lib/onboarding/notification-contact";
import { NotificationContactForm } from "./notification-contact-form";

export async function NotificationContact({ entraTenantId }: { entraTenantId: string }) {
  return <NotificationContactForm contact={await notificationContact(db(), entraTenantId)} />;
}
