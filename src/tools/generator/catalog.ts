/**
 * The small reference tables: 10 stores in Malaysia, 8 menu items, payment methods and
 * vouchers, with the popularity weights the sales model uses (skewed so that the per-store
 * and per-item answers of Q2/Q3/Q4 are not uniform).
 */

export interface Store {
  id: number;
  name: string;
  street: string;
  postalCode: string;
  city: string;
  state: string;
  latitude: string;
  longitude: string;
  /** Relative share of the chain's customers whose home store this is. */
  weight: number;
}

export const STORES: readonly Store[] = [
  {
    id: 1,
    name: 'G Coffee @ USJ 89q',
    street: 'Jalan Dewan Bahasa 5/9',
    postalCode: '50998',
    city: 'USJ 89q',
    state: 'Kuala Lumpur',
    latitude: '3.117134',
    longitude: '101.615027',
    weight: 1.3,
  },
  {
    id: 2,
    name: 'G Coffee @ Kondominium Putra',
    street: 'Jln Yew 6X',
    postalCode: '63826',
    city: 'Kondominium Putra',
    state: 'Selangor Darul Ehsan',
    latitude: '2.959571',
    longitude: '101.51772',
    weight: 1.2,
  },
  {
    id: 3,
    name: 'G Coffee @ USJ 57W',
    street: 'Jalan Bukit Petaling 5/16C',
    postalCode: '62094',
    city: 'USJ 57W',
    state: 'Putrajaya',
    latitude: '2.951084',
    longitude: '101.663467',
    weight: 0.8,
  },
  {
    id: 4,
    name: 'G Coffee @ Kampung Changkat',
    street: 'Jln 6/6A',
    postalCode: '62941',
    city: 'Kampung Changkat',
    state: 'Putrajaya',
    latitude: '2.914885',
    longitude: '101.704263',
    weight: 1.0,
  },
  {
    id: 5,
    name: 'G Coffee @ Seksyen 21',
    street: 'Jalan Anson 4k',
    postalCode: '62693',
    city: 'Seksyen 21',
    state: 'Kuala Lumpur',
    latitude: '3.097253',
    longitude: '101.559652',
    weight: 1.1,
  },
  {
    id: 6,
    name: 'G Coffee @ Alam Tun Hussein Onn',
    street: 'Jln Pasar Besar 63s',
    postalCode: '79501',
    city: 'Alam Tun Hussein Onn',
    state: 'Selangor Darul Ehsan',
    latitude: '3.279933',
    longitude: '101.784932',
    weight: 0.9,
  },
  {
    id: 7,
    name: 'G Coffee @ Damansara Saujana',
    street: 'Jln 8/74',
    postalCode: '65438',
    city: 'Damansara Saujana',
    state: 'Selangor Darul Ehsan',
    latitude: '3.22721',
    longitude: '101.652345',
    weight: 1.05,
  },
  {
    id: 8,
    name: 'G Coffee @ Bandar Seri Mulia',
    street: 'Jalan Wisma Putra',
    postalCode: '58621',
    city: 'Bandar Seri Mulia',
    state: 'Kuala Lumpur',
    latitude: '3.140451',
    longitude: '101.706274',
    weight: 0.95,
  },
  {
    id: 9,
    name: 'G Coffee @ PJS8',
    street: 'Jalan 7/3o',
    postalCode: '62418',
    city: 'PJS8',
    state: 'Putrajaya',
    latitude: '2.995821',
    longitude: '101.72142',
    weight: 0.75,
  },
  {
    id: 10,
    name: 'G Coffee @ Taman Damansara',
    street: 'Jalan 1',
    postalCode: '67057',
    city: 'Taman Damansara',
    state: 'Kuala Lumpur',
    latitude: '3.157483',
    longitude: '101.630096',
    weight: 0.85,
  },
];

export interface MenuItem {
  id: number;
  name: string;
  category: string;
  /** Price in cents. */
  price: number;
  isSeasonal: boolean;
  /** `YYYY-MM-DD` or '' */
  availableFrom: string;
  availableTo: string;
  /** Relative popularity (rows picking this item). */
  weight: number;
  /** Phase (in months) of its +/-25 % yearly popularity cycle, so monthly winners change. */
  phase: number;
}

export const MENU_ITEMS: readonly MenuItem[] = [
  { id: 1, name: 'Espresso', category: 'coffee', price: 600, isSeasonal: false, availableFrom: '', availableTo: '', weight: 1.0, phase: 0 },
  {
    id: 2,
    name: 'Americano',
    category: 'coffee',
    price: 700,
    isSeasonal: false,
    availableFrom: '',
    availableTo: '',
    weight: 1.45,
    phase: 3,
  },
  { id: 3, name: 'Latte', category: 'coffee', price: 1000, isSeasonal: false, availableFrom: '', availableTo: '', weight: 1.5, phase: 7 },
  {
    id: 4,
    name: 'Cappuccino',
    category: 'coffee',
    price: 950,
    isSeasonal: false,
    availableFrom: '',
    availableTo: '',
    weight: 1.2,
    phase: 10,
  },
  {
    id: 5,
    name: 'Flat White',
    category: 'coffee',
    price: 1050,
    isSeasonal: false,
    availableFrom: '',
    availableTo: '',
    weight: 0.9,
    phase: 5,
  },
  {
    id: 6,
    name: 'Hot Chocolate',
    category: 'non-coffee',
    price: 900,
    isSeasonal: false,
    availableFrom: '',
    availableTo: '',
    weight: 0.7,
    phase: 1,
  },
  {
    id: 7,
    name: 'Matcha Latte',
    category: 'non-coffee',
    price: 1100,
    isSeasonal: true,
    availableFrom: '2024-01-01',
    availableTo: '2025-06-30',
    weight: 1.1,
    phase: 9,
  },
  { id: 8, name: 'Cake', category: 'food', price: 1200, isSeasonal: false, availableFrom: '', availableTo: '', weight: 0.8, phase: 2 },
];

export interface PaymentMethod {
  id: number;
  name: string;
  weight: number;
}

export const PAYMENT_METHODS: readonly PaymentMethod[] = [
  { id: 1, name: 'Cash', weight: 2 },
  { id: 2, name: 'Credit Card', weight: 3 },
  { id: 3, name: 'Debit Card', weight: 2 },
  { id: 4, name: 'E-Wallet', weight: 4 },
  { id: 5, name: 'Online Banking', weight: 1 },
];

export interface Voucher {
  id: number;
  code: string;
  type: 'percentage' | 'fixed';
  /** Percent (for 'percentage') or cents (for 'fixed'). */
  value: number;
  validFrom: string;
  validTo: string;
  weight: number;
}

export const VOUCHERS: readonly Voucher[] = [
  { id: 1, code: 'WELCOME10', type: 'percentage', value: 10, validFrom: '2023-07-01', validTo: '2025-06-30', weight: 4 },
  { id: 2, code: 'GCOFFEE20', type: 'percentage', value: 20, validFrom: '2023-07-01', validTo: '2025-06-30', weight: 2 },
  { id: 3, code: 'RM5OFF', type: 'fixed', value: 500, validFrom: '2023-07-01', validTo: '2025-06-30', weight: 3 },
  { id: 4, code: 'RM3OFF', type: 'fixed', value: 300, validFrom: '2023-07-01', validTo: '2025-06-30', weight: 3 },
  { id: 5, code: 'MERDEKA15', type: 'percentage', value: 15, validFrom: '2023-08-01', validTo: '2025-06-30', weight: 1 },
  { id: 6, code: 'BDAY50', type: 'percentage', value: 50, validFrom: '2023-07-01', validTo: '2025-06-30', weight: 1 },
];

/** Discount in cents of a voucher on an order of `originalCents` (never more than the order). */
export function voucherDiscount(v: Voucher, originalCents: number): number {
  const d = v.type === 'percentage' ? Math.round((originalCents * v.value) / 100) : v.value;
  return Math.min(d, originalCents);
}
